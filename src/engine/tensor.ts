import type { Backend } from './backend.ts';
import { DTypeError } from './errors.ts';

export type DType = 'float32' | 'float64' | 'int32';
export type FloatDType = 'float32' | 'float64';
export type Shape = readonly number[];
export type FloatStorage = Float32Array | Float64Array;
export type Storage = FloatStorage | Int32Array;

/** What a shape rule sees of a tensor: no values. */
export interface TensorMeta {
  shape: Shape;
  dtype: DType;
}

/** The tape entry that produced a tensor (see autograd/). */
export interface Creator {
  node: TapeNode;
  output: number;
}

export interface TapeNode {
  id: number;
  op: string;
  attrs: unknown;
  inputs: (Tensor | null)[];
  outputs: Tensor[];
  /** graph node id (or any label) active when the op was recorded, for the stepper */
  source?: string;
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype !== 'int32';
}

/**
 * The float dtype an op computes in, PyTorch's type promotion among floats: float64 when any
 * float operand is float64, else float32 (int operands — indices, class targets — don't count).
 */
export function floatTypeOf(...metas: ({ dtype: DType } | null | undefined)[]): FloatDType {
  return metas.some((m) => m?.dtype === 'float64') ? 'float64' : 'float32';
}

/** Fresh zeroed storage of a dtype: the one place the engine picks a typed array. */
export function allocStorage(dtype: DType, size: number): Storage {
  if (dtype === 'int32') return new Int32Array(size);
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** Fresh zeroed float storage: float64 for float64, float32 for anything else. */
export function allocFloat(dtype: DType, size: number): FloatStorage {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** Float storage of `dtype` holding these values (a float64 accumulator stored as its output type). */
export function floatFrom(dtype: DType, values: ArrayLike<number>): FloatStorage {
  const out = allocFloat(dtype, values.length);
  out.set(values);
  return out;
}

/** The dtype a typed array holds. */
export function dtypeOfStorage(data: Storage): DType {
  return data instanceof Int32Array ? 'int32' : data instanceof Float64Array ? 'float64' : 'float32';
}

/** Backends that hold float64; the others (WebGPU: WGSL has no f64) are float32 only. */
const FLOAT64_BACKENDS: ReadonlySet<string> = new Set(['cpu']);

/** A float64 tensor headed for a float32-only backend is a DTypeError naming the op. */
export function checkBackendDType(op: string, backend: Backend, metas: ({ dtype: DType } | null)[]): void {
  if (FLOAT64_BACKENDS.has(backend.name)) return;
  const at = metas.findIndex((m) => m?.dtype === 'float64');
  if (at < 0) return;
  throw new DTypeError(
    op,
    `the ${backend.name} backend computes in float32 only, got a float64 tensor (run float64 on the cpu backend)`,
    at,
  );
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

let nextTensorId = 1;

/**
 * An immutable n-d array living on one backend. Values are never changed in place; an op
 * makes a new tensor. Autograd fields (`grad`, `creator`) are the only mutable parts.
 */
export class Tensor implements TensorMeta {
  readonly id = nextTensorId++;
  readonly size: number;
  requiresGrad = false;
  retainsGrad = false;
  grad: Tensor | null = null;
  creator: Creator | null = null;
  /** a human label for the stepper ("x", "fc1.weight") */
  name?: string;

  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    readonly backend: Backend,
    /** backend-owned storage: a typed array on the CPU, a buffer on the GPU */
    readonly handle: unknown,
  ) {
    this.size = sizeOf(shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isLeaf(): boolean {
    return this.creator === null;
  }

  /** Values, synchronously. Only backends that can read without waiting support it. */
  dataSync(): Storage {
    return this.backend.readSync(this);
  }

  /** Values, from any backend. */
  data(): Promise<Storage> {
    return this.backend.read(this);
  }

  /** Values as nested plain numbers, for tests and debugging. */
  toArray(): number[] {
    return Array.from(this.dataSync());
  }

  /** Mark as a leaf that collects gradients, like `requires_grad_()`. */
  requireGrad(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** Keep this non-leaf's gradient after backward, like `retain_grad()`. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  named(name: string): this {
    this.name = name;
    return this;
  }

  zeroGrad(): void {
    this.grad = null;
  }

  dispose(): void {
    this.backend.dispose(this);
  }

  toString(): string {
    return `Tensor(${this.name ?? `#${this.id}`}, ${formatShape(this.shape)}, ${this.dtype}, ${this.backend.name})`;
  }
}
