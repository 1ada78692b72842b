import type { OpError } from './errors.ts';
import type { DType, Shape, Storage, Tensor, TensorMeta } from './tensor.ts';

/** Groups of ops a backend may handle with one code path (tinygrad's GroupOp). */
export type OpKind =
  | 'elementwise'
  | 'movement'
  | 'reduce'
  | 'matmul'
  | 'conv'
  | 'pool'
  | 'norm'
  | 'attention'
  | 'recurrent'
  | 'loss'
  | 'index'
  | 'backward';

/** A tensor as a CPU kernel sees it. */
export interface CpuTensor {
  data: Storage;
  shape: Shape;
  dtype: DType;
}

/**
 * CPU forward: reads inputs (null for an absent optional input), returns one storage per
 * output, each of the size the shape rule gave. Never mutates its inputs.
 */
export type CpuKernel<A> = (inputs: (CpuTensor | null)[], attrs: A, outs: TensorMeta[]) => Storage[];

export interface InputSpec {
  name: string;
  optional?: boolean;
  /** inputs that never get a gradient (indices, running stats, masks, targets) */
  noGrad?: boolean;
}

/** What a vjp can see of the forward call. */
export interface VjpContext {
  inputs: (Tensor | null)[];
  outputs: Tensor[];
  /** which inputs need a gradient; a vjp may skip work for the others */
  needsGrad: boolean[];
}

/**
 * One engine op, declared once: name, attrs, shape rule (which also makes the error),
 * forward per backend, vector-Jacobian product written with other ops, and the formula
 * the backward stepper shows.
 */
export interface OpDef<A> {
  name: string;
  kind: OpKind;
  inputs: InputSpec[];
  /** a variadic op (concat, stack) takes any number of `inputs[0]`-like tensors */
  variadic?: boolean;
  /** output names; default ['output'] */
  outputs?: string[];
  /** attrs with PyTorch's defaults filled in; reference cases give attrs by these names */
  defaults?: Partial<A>;
  shape(inputs: (TensorMeta | null)[], attrs: A): TensorMeta[] | OpError;
  /**
   * Forward kernels per backend. The WebGPU kernels live in backends/webgpu/kernels (one per
   * op, looked up by name) so this entry only carries the CPU reference.
   */
  forward?: { cpu: CpuKernel<A> };
  /**
   * A composite op is written with other registry ops instead of kernels: it runs on every
   * backend and gets its gradient for free (the primitive ops it calls are recorded).
   */
  composite?(inputs: (Tensor | null)[], attrs: A): Tensor[];
  /** gradients for each input (null where none), given the upstream gradient of each output */
  vjp?(ctx: VjpContext, dOut: Tensor[], attrs: A): (Tensor | null)[];
  /** the local gradient rule in one line, e.g. "dX = dY·Wᵀ, dW = dYᵀ·X, db = Σ_N dY" */
  formula: string;
}

/** Ops are annotated `export const x: OpDef<Attrs> = defineOp({...})`: the explicit type
 * breaks the cycle registry → op → run → registry for the type checker. */
export type NoAttrs = Record<string, never>;

export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}

/** The usual single-output float shape rule result. */
export function out(shape: Shape, dtype: DType = 'float32'): TensorMeta[] {
  return [{ shape: [...shape], dtype }];
}
