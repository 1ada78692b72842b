import type { OpName } from '../../../ops/index.ts';
import { binaryKernels, unaryKernels } from './elementwise.ts';
import { matmulKernel } from './matmul.ts';
import { expandKernel, permuteKernel, reshapeKernel, transposeKernel } from './movement.ts';
import { sumToKernel } from './reduce.ts';
import type { GpuKernel } from './types.ts';

/**
 * Every op's WebGPU forward, by op name. Composite ops need none (they run their parts);
 * gradients come from the registry's vjps, which are ops too, so backward runs here as well.
 */
export const webgpuKernels: Partial<Record<OpName, GpuKernel>> = {
  ...binaryKernels,
  ...unaryKernels,
  matmul: matmulKernel,
  reshape: reshapeKernel,
  permute: permuteKernel,
  transpose: transposeKernel,
  expand: expandKernel,
  sum_to: sumToKernel,
};

export type { GpuKernel, GpuTensor, KernelCall } from './types.ts';
