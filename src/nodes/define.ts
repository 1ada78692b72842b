/**
 * The node-declaration API. A node type is declared once: ports, params (types, PyTorch
 * defaults, ranges), a shape rule over symbolic dims, how it lowers to engine ops, its
 * parameter count and a short doc. Palette, inspector, shape checker, compiler and exporters
 * all read the same declaration.
 */
import { defaultParams, type ParamSchema, type ParamsOf } from './params.ts';
import type { Unifier } from './shapes.ts';
import type { Dim, DType, PortDef, ShapeIssue, TensorType } from './types.ts';

/** What a shape rule can ask of inference besides its inputs. */
export interface InferContext extends Unifier {
  /**
   * Require two dims to be equal. A symbol is bound to the other side (globally: a symbol
   * bound to 784 somewhere is 784 everywhere); returns false for two different sizes.
   */
  unify(a: Dim, b: Dim): boolean;
  /** A dim as far as inference knows it (for symbols in params; inputs come resolved). */
  resolve(d: Dim): Dim;
  /** Report a warning; the outputs still flow downstream. */
  warn(issue: ShapeIssue): void;
}

/**
 * A shape rule's answer: the output types (one per output port), or the errors that stop them.
 */
export type InferResult = TensorType[] | ShapeIssue[];

/** Initialisers the lowering may ask for, with PyTorch's default layer init in mind. */
export type ParamInit =
  /** U(-1/sqrt(fan_in), 1/sqrt(fan_in)): nn.Linear/nn.Conv weight (kaiming_uniform, a=sqrt 5) and bias */
  | { kind: 'uniform_fan_in'; fanIn: number }
  | { kind: 'zeros' }
  | { kind: 'ones' }
  /** U(−bound, bound): Xavier/Kaiming uniform, with the bound worked out by the node (src/engine/init.ts) */
  | { kind: 'uniform'; bound: number }
  /** N(0, std²): Xavier/Kaiming normal, nn.init.normal_(std), nn.Embedding's N(0, 1) */
  | { kind: 'normal'; std: number }
  /** given values, row-major: a Tensor node's leaf (torch.tensor(values, requires_grad=True)) */
  | { kind: 'values'; data: number[] };

/**
 * How lowering builds computation, for any value type V: live mode passes engine tensors, the
 * compiler passes plan values. `op` applies an engine registry op by name.
 */
export interface OpBuilder<V> {
  op(name: string, inputs: (V | null)[], attrs?: Record<string, unknown>): V[];
  /** a trainable parameter of this node, e.g. `param('weight', [out, in], init)` */
  param(name: string, shape: number[], init: ParamInit): V;
  /** a constant tensor (no gradient) */
  constant(data: number[], shape: number[], dtype?: DType): V;
  /** the sample batch of a source node (live mode: seeded data; compiled: the data feed) */
  source(shape: number[], dtype: DType): V;
  /**
   * A non-trainable state tensor kept between runs (BatchNorm's running stats). Builders
   * without state leave it out; lowering then uses a constant at the buffer's initial value.
   */
  buffer?(name: string, shape: number[], init: ParamInit): V;
  /** store a buffer's new value after this run (BatchNorm in training mode) */
  setBuffer?(name: string, value: V): void;
}

/** The numeric shapes lowering works with (symbols bound to sizes for this run). */
export interface LowerShapes {
  inputs: (number[] | null)[];
  outputs: number[][];
}

export interface NodeDef<S extends ParamSchema = ParamSchema> {
  /** the type name stored in documents, e.g. 'Linear' */
  type: string;
  /** palette group: 'sources', 'layers', 'activations', 'math', 'reshape', 'losses', ... */
  group: string;
  /** other names the palette search finds it by ('fc', 'dense') */
  aliases: string[];
  /** one or two sentences for the palette and inspector */
  doc: string;
  /** the forward formula in one line of Unicode, e.g. "y = x·Wᵀ + b" */
  formula?: string;
  params: S;
  inputs: PortDef[];
  outputs: PortDef[];
  /**
   * The shape rule. `inputs` follow `this.inputs` in order (null for an unconnected optional
   * input), with symbols already resolved as far as inference knows them.
   */
  infer(inputs: (TensorType | null)[], params: ParamsOf<S>, ctx: InferContext): InferResult;
  /** Lower to engine ops; returns one value per output port. */
  lower<V>(b: OpBuilder<V>, inputs: (V | null)[], params: ParamsOf<S>, shapes: LowerShapes): V[];
  /** Trainable parameters, given the inferred input types (symbols left unresolved count as 0). */
  paramCount(inputs: (TensorType | null)[], params: ParamsOf<S>): number;
  /** multiply-adds of one forward pass, when known */
  flops?(inputs: (TensorType | null)[], params: ParamsOf<S>): number;
}

/** A node type with its param types erased, as the catalog holds it. */
export type AnyNodeDef = NodeDef<ParamSchema>;

/** Declare a node type; the params type is inferred from the param schema. */
export function defineNode<S extends ParamSchema>(def: NodeDef<S>): NodeDef<S> {
  const inputs = new Set(def.inputs.map((x) => x.name));
  const outputs = new Set(def.outputs.map((x) => x.name));
  if (inputs.size !== def.inputs.length || outputs.size !== def.outputs.length) {
    throw new Error(`node type ${def.type}: port names must be unique`);
  }
  return def;
}

/** The default params of a node type (what the palette drops). */
export function defaultsOf(def: AnyNodeDef): Record<string, unknown> {
  return defaultParams(def.params);
}

/** One output: `tensorOut('output')`; the usual single-tensor port. */
export function tensorPort(name: string, extra: Omit<PortDef, 'name' | 'kind'> = {}): PortDef {
  return { name, kind: 'tensor', ...extra };
}

/** An error from a shape rule, in one call. */
export function shapeError(code: string, message: string, extra: Partial<ShapeIssue> = {}): ShapeIssue[] {
  return [{ severity: 'error', code, message, ...extra }];
}

/** Numeric value of a dim, or 0 when still symbolic (for parameter counts). */
export function sizeOrZero(d: Dim | undefined): number {
  return typeof d === 'number' ? d : 0;
}
