// The registry first: kernels use helpers from op files (window and shape rules), and an op
// helper loaded before the registry would enter the ops ↔ dispatch import cycle mid-way.
import '../../../ops/index.ts';
import type { OpName } from '../../../ops/index.ts';
import {
  adaptiveAvgPool2dBackwardKernel,
  adaptiveAvgPool2dKernel,
  avgPool2dBackwardKernel,
  avgPool2dKernel,
  conv2dBackwardWeightKernel,
  conv2dKernel,
  convTranspose2dKernel,
  linearActKernel,
  linearBackwardWeightKernel,
  linearKernel,
  maxPool2dBackwardKernel,
  maxPool2dKernel,
} from './conv.ts';
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
import {
  batchNormKernel,
  embeddingBackwardKernel,
  embeddingKernel,
  groupNormKernel,
  layerNormKernel,
  normBackwardKernel,
} from './norm.ts';
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
  linear: linearKernel,
  linear_backward_weight: linearBackwardWeightKernel,
  linear_act: linearActKernel,
  conv2d: conv2dKernel,
  conv_transpose2d: convTranspose2dKernel,
  conv2d_backward_weight: conv2dBackwardWeightKernel,
  max_pool2d: maxPool2dKernel,
  max_pool2d_backward: maxPool2dBackwardKernel,
  avg_pool2d: avgPool2dKernel,
  avg_pool2d_backward: avgPool2dBackwardKernel,
  adaptive_avg_pool2d: adaptiveAvgPool2dKernel,
  adaptive_avg_pool2d_backward: adaptiveAvgPool2dBackwardKernel,
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
  batch_norm: batchNormKernel,
  layer_norm: layerNormKernel,
  group_norm: groupNormKernel,
  norm_backward: normBackwardKernel,
  embedding: embeddingKernel,
  embedding_backward: embeddingBackwardKernel,
  softmax: softmaxKernel(false),
  log_softmax: softmaxKernel(true),
};

export type { GpuKernel, GpuTensor, KernelCall } from './types.ts';
