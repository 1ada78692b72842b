import type { Backend } from './backend.ts';

export type DType = 'float32' | 'int32';
export type Shape = readonly number[];
export type Storage = Float32Array | Int32Array;

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
