import type { OpDef } from './op.ts';
import type { DType, Storage, Tensor, TensorMeta } from './tensor.ts';

/**
 * The whole backend interface: allocate (upload/fill), read, run a kernel, dispose.
 * The CPU backend is the reference; others are measured against it.
 */
export interface Backend {
  readonly name: BackendName;
  /** create a tensor holding these values */
  upload(data: Storage, shape: readonly number[], dtype: DType): Tensor;
  readSync(t: Tensor): Storage;
  read(t: Tensor): Promise<Storage>;
  /** run op's forward kernel for this backend; outputs have the metas the shape rule gave */
  run(op: OpDef<any>, inputs: (Tensor | null)[], attrs: unknown, outs: TensorMeta[]): Tensor[];
  dispose(t: Tensor): void;
  /** true when the op has a kernel here (else the dispatcher reports it) */
  supports(op: OpDef<any>): boolean;
}

export type BackendName = 'cpu' | 'webgpu';
