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
  /**
   * Device-resident training (optional): run an optimizer's per-element kernel in place on
   * `state` = [parameter, ...its buffers], tensors the training runtime owns and shares with no
   * one, reading `grad`. Meta words: the element count, the floats, then the flags.
   */
  applyUpdate?(
    kernel: UpdateKernel,
    grad: Tensor,
    state: readonly Tensor[],
    floats: readonly number[],
    flags: number,
  ): void;
  /**
   * Whether any element of these float tensors is NaN or ±Inf, decided on the device after the
   * work recorded so far and read back without stalling it (optional).
   */
  nonFinite?(tensors: readonly Tensor[]): Promise<boolean>;
}

/** An optimizer kernel by source name and switches, e.g. { name: 'optim_sgd', defines: { MOMENTUM: 1 } } */
export interface UpdateKernel {
  name: string;
  defines: Record<string, number>;
}

export type BackendName = 'cpu' | 'webgpu';
