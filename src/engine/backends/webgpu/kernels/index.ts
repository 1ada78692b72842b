import type { OpName } from '../../../ops/index.ts';
import { binaryKernels, unaryKernels } from './elementwise.ts';
import { lossKernels } from './losses.ts';
import { matmulKernel } from './matmul.ts';
import {
  concatKernel,
  expandKernel,
  narrowKernel,
  padBackwardKernel,
  padKernel,
  permuteKernel,
  reshapeKernel,
  sliceBackwardKernel,
  sliceKernel,
  transposeKernel,
} from './movement.ts';
import { reduceKernel, sumToKernel } from './reduce.ts';
import { softmaxKernel } from './softmax.ts';
import type { GpuKernel } from './types.ts';

/**
 * Every op's WebGPU forward, by op name. Composite ops need none (they run their parts);
 * gradients come from the registry's vjps, which are ops too, so backward runs here as well.
 */
export const webgpuKernels: Partial<Record<OpName, GpuKernel>> = {
  ...unaryKernels,
  ...binaryKernels,
  matmul: matmulKernel,
  reshape: reshapeKernel,
  permute: permuteKernel,
  transpose: transposeKernel,
  expand: expandKernel,
  narrow: narrowKernel,
  slice: sliceKernel,
  slice_backward: sliceBackwardKernel,
  concat: concatKernel,
  pad: padKernel,
  pad_backward: padBackwardKernel,
  sum_to: sumToKernel,
  sum: reduceKernel('sum'),
  mean: reduceKernel('sum', true),
  max: reduceKernel('max'),
  ...lossKernels,
  softmax: softmaxKernel(false),
  log_softmax: softmaxKernel(true),
};

export type { GpuKernel, GpuTensor, KernelCall } from './types.ts';
