import type { Backend } from '../../backend.ts';
import type { CpuTensor, OpDef } from '../../op.ts';
import { type DType, dtypeOfStorage, sizeOf, type Storage, Tensor, type TensorMeta } from '../../tensor.ts';

/**
 * The reference backend: a tensor's handle is its typed array. Kernels live with their op
 * declarations (`forward.cpu`); this file only moves data in and out.
 */
export const cpuBackend: Backend = {
  name: 'cpu',
  upload(data: Storage, shape: readonly number[], dtype: DType): Tensor {
    if (dtypeOfStorage(data) !== dtype)
      throw new Error(`cpu upload: ${dtypeOfStorage(data)} values for a ${dtype} tensor`);
    return new Tensor([...shape], dtype, cpuBackend, data);
  },
  readSync(t: Tensor): Storage {
    return t.handle as Storage;
  },
  async read(t: Tensor): Promise<Storage> {
    return t.handle as Storage;
  },
  supports(op: OpDef<any>): boolean {
    return typeof op.forward?.cpu === 'function';
  },
  run(op: OpDef<any>, inputs: (Tensor | null)[], attrs: unknown, outs: TensorMeta[]): Tensor[] {
    const views: (CpuTensor | null)[] = inputs.map((t) =>
      t ? { data: t.handle as Storage, shape: t.shape, dtype: t.dtype } : null,
    );
    const results = op.forward!.cpu(views, attrs, outs);
    return outs.map((meta, i) => {
      const data = results[i];
      if (!data || data.length !== sizeOf(meta.shape)) {
        throw new Error(
          `${op.name}: cpu kernel returned ${data?.length} values for output ${i}, expected ${sizeOf(meta.shape)}`,
        );
      }
      // a float32 array under a float64 tensor would be silent rounding: a kernel bug
      if (dtypeOfStorage(data) !== meta.dtype) {
        throw new Error(
          `${op.name}: cpu kernel returned ${dtypeOfStorage(data)} values for output ${i}, the shape rule says ${meta.dtype}`,
        );
      }
      return new Tensor(meta.shape, meta.dtype, cpuBackend, data);
    });
  },
  dispose() {
    // garbage collected
  },
};
