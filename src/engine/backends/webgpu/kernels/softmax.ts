import { softmaxDim } from '../../../ops/softmax.ts';
import type { GpuKernel } from './types.ts';

/** softmax / log_softmax along `dim`: one workgroup per row (gpu/softmax.wgsl). */
export function softmaxKernel(log: boolean): GpuKernel<{ dim: number }> {
  return ({ rt, op, inputs: [x], attrs, output }) => {
    const shape = x!.shape;
    const y = output();
    if (shape.length === 0) {
      // a 0-d tensor is its own row of one: softmax 1, log_softmax 0
      rt.dispatch({
        kernel: 'softmax',
        defines: { LOG: log ? 1 : 0, WG: 64 },
        meta: [1, 1, 1],
        inputs: [x!.storage],
        outputs: [y],
        threads: 64,
        workgroupSize: 64,
        label: op,
      });
      return [y];
    }
    const dim = softmaxDim(attrs.dim, shape.length);
    const size = shape[dim];
    const inner = shape.slice(dim + 1).reduce((p, d) => p * d, 1);
    const rows = x!.size / Math.max(size, 1);
    const wg = size >= 512 ? 256 : size >= 64 ? 64 : 32;
    rt.dispatch({
      kernel: 'softmax',
      defines: { LOG: log ? 1 : 0, WG: wg },
      meta: [rows, size, inner],
      inputs: [x!.storage],
      outputs: [y],
      threads: rows * wg,
      workgroupSize: wg,
      label: op,
    });
    return [y];
  };
}
