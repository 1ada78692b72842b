/**
 * The vocabulary shared by node declarations and the graph layer: dims, tensor types, ports,
 * and the issues a shape rule reports. Plain data only; nothing here knows a document.
 */
import type { DType } from '../engine/tensor.ts';

export type { DType };

/** A dim is a size (784) or a named symbol (`N`, `T`, `d_model`, any name the user gives). */
export type Dim = number | string;

/** A port's type: dtype plus dims. Symbols are unified across the whole graph by inference. */
export interface TensorType {
  dtype: DType;
  dims: Dim[];
}

/**
 * What flows along an edge. Only `tensor` ports carry a TensorType; the others link
 * training machinery (an optimizer to its parameters, a schedule to an optimizer, a metric
 * to a panel). An edge may only join ports of the same kind.
 */
export type PortKind = 'tensor' | 'parameters' | 'optimizer' | 'schedule' | 'metric';

export interface PortDef {
  name: string;
  kind: PortKind;
  /** an unconnected optional input reaches the shape rule as `null` */
  optional?: boolean;
  /** the dtype this input needs, when it needs one ('int32' for class indices) */
  dtype?: DType;
  /**
   * Recurrent state fed back from a later step: an edge into this input may close a cycle.
   * Cycles through any other input are rejected.
   */
  feedback?: boolean;
  doc?: string;
}

/** A param value as stored in a document (JSON). */
export type ParamValue = number | string | boolean | null | readonly ParamValue[];

/**
 * A fix, as a shape rule sees it: a change to the node itself or right next to it. The graph
 * layer turns each into real, undoable edits (it knows the node and edge ids).
 */
export type FixIntent =
  /** set one of this node's params (e.g. in_features to the incoming dim) */
  | { kind: 'setParam'; param: string; value: ParamValue }
  /** insert a node of `nodeType` on the edge feeding `port` (e.g. a Flatten before a Linear) */
  | { kind: 'insertBefore'; port: string; nodeType: string; params: Record<string, ParamValue> }
  /** swap the edges feeding two inputs (e.g. the operands of a matmul) */
  | { kind: 'swapInputs'; a: string; b: string };

export interface FixSuggestion {
  label: string;
  intents: FixIntent[];
}

/** Both operand shapes aligned from the right, the offending dim marked (for broadcasting). */
export interface BroadcastExplanation {
  kind: 'broadcast';
  /** the operands' dims, padded on the left with null so that columns line up */
  rows: { label: string; dims: (Dim | null)[] }[];
  /** the column (0 = leftmost of the aligned result) that does not fit, or -1 for none */
  column: number;
  /** the result's dims when broadcasting succeeded (the trap), else null */
  result: Dim[] | null;
  /** plain-text rendering, e.g. "a:    2  3\nb:       4\n         ^" plus a sentence */
  text: string;
}

export type Explanation = string | BroadcastExplanation;

/** What a shape rule reports: an error (no outputs) or a warning (outputs still valid). */
export interface ShapeIssue {
  severity: 'error' | 'warning';
  /** stable code: 'broadcast', 'inner_dim', 'rank', 'in_features', 'symbol_conflict', ... */
  code: string;
  /** the input port the issue is about, when there is one */
  port?: string;
  /** PyTorch's text where PyTorch has one */
  message: string;
  explanation?: Explanation;
  fixes?: FixSuggestion[];
}
