import type { BatchNormAttrs } from '../../../ops/batch_norm.ts';
import type { GroupNormAttrs } from '../../../ops/group_norm.ts';
import type { LayerNormAttrs } from '../../../ops/layer_norm.ts';
import { sizeOf } from '../../../tensor.ts';
import { f32Bits, type GpuRuntime, type GpuStorage } from '../runtime.ts';
import { valueErrorCode } from '../value-errors.ts';
import { binaryInto, unaryInto } from './elementwise.ts';
import { fillWords, stridedCopy } from './movement.ts';
import { reduceInto } from './reduce.ts';
import type { GpuKernel, GpuTensor } from './types.ts';

/**
 * batch_norm, layer_norm and group_norm are one computation on a [P, Q, R] view of x
 * (statistics per q over p and r), as on the CPU: gpu/norm_stats.wgsl, then
 * gpu/norm_apply.wgsl with the affine parameters indexed per channel, element or group.
 */
type View = [number, number, number];

/** Which weight/bias entry each (q, r) uses (see gpu/norm_affine.wgsl and backends/cpu/norm.ts). */
interface AffineLayout {
  groups: number;
  group_channels: number;
  channel_size: number;
}

const STATS = 5;

function affineWords(a: AffineLayout, weight: GpuTensor | null): number[] {
  return [a.groups, a.group_channels, a.channel_size, weight ? 1 : 0];
}

function stats(
  rt: GpuRuntime,
  op: string,
  x: GpuStorage,
  [P, Q, R]: View,
  eps: number,
  backward?: { dy: GpuStorage; weight: GpuTensor | null; affine: AffineLayout },
): GpuStorage {
  const out = rt.scratch(Q * STATS, op);
  const one = rt.constant(1);
  rt.dispatch({
    kernel: 'norm_stats',
    defines: { BACKWARD: backward ? 1 : 0 },
    meta: [
      P,
      Q,
      R,
      f32Bits(eps),
      ...(backward ? affineWords(backward.affine, backward.weight) : [1, 1, 1, 0]),
    ],
    inputs: [x, backward?.dy ?? x, backward?.weight?.storage ?? one],
    outputs: [out],
    threads: Q * 256,
    workgroupSize: 256,
    label: op,
  });
  return out;
}

interface Statistic {
  storage: GpuStorage;
  stride: number;
  offset: number;
}

interface Affine extends AffineLayout {
  weight: GpuTensor | null;
  bias: GpuTensor | null;
}

function apply(
  rt: GpuRuntime,
  op: string,
  x: GpuStorage,
  y: GpuStorage,
  [P, Q, R]: View,
  mean: Statistic,
  invstd: Statistic,
  affine: Affine,
): void {
  const one = rt.constant(1);
  rt.dispatch({
    kernel: 'norm_apply',
    meta: [
      P * Q * R,
      Q,
      R,
      mean.stride,
      mean.offset,
      invstd.stride,
      invstd.offset,
      ...affineWords(affine, affine.weight),
      affine.bias ? 1 : 0,
    ],
    inputs: [x, mean.storage, invstd.storage, affine.weight?.storage ?? one, affine.bias?.storage ?? one],
    outputs: [y],
    threads: P * Q * R,
    label: op,
  });
}

/** Normalise by x's own statistics (training batch_norm, layer_norm, group_norm). */
function normalizeOwn(
  rt: GpuRuntime,
  op: string,
  x: GpuTensor,
  y: GpuStorage,
  view: View,
  eps: number,
  affine: Affine,
): GpuStorage {
  const s = stats(rt, op, x.storage, view, eps);
  apply(
    rt,
    op,
    x.storage,
    y,
    view,
    { storage: s, stride: STATS, offset: 0 },
    { storage: s, stride: STATS, offset: 2 },
    affine,
  );
  return s;
}

export const batchNormKernel: GpuKernel<BatchNormAttrs> = ({ rt, op, inputs, attrs, outs, output }) => {
  const [x, weight, bias, runningMean, runningVar] = inputs;
  const view: View = [x!.shape[0], x!.shape[1], sizeOf(x!.shape.slice(2))];
  const C = view[1];
  const y = output(0);
  const affine: Affine = { groups: C, group_channels: 1, channel_size: view[2], weight, bias };
  if (!attrs.training) {
    const invstd = rt.scratch(C, op);
    unaryInto(rt, op, '1.0 / sqrt(x + p0)', runningVar!.storage, invstd, C, [attrs.eps]);
    apply(
      rt,
      op,
      x!.storage,
      y,
      view,
      { storage: runningMean!.storage, stride: 1, offset: 0 },
      { storage: invstd, stride: 1, offset: 0 },
      affine,
    );
    rt.release(invstd);
    return [y, rt.share(runningMean!.storage), rt.share(runningVar!.storage)];
  }
  const s = normalizeOwn(rt, op, x!, y, view, attrs.eps, affine);
  // running stats move toward the batch mean and the *unbiased* batch variance
  const count = view[0] * view[2];
  const updated = [0, 1].map((k) => {
    const batchStat = rt.scratch(C, op);
    stridedCopy(rt, op, s, batchStat, { shape: [C], inStrides: [STATS], inOffset: k });
    const out = output(k + 1);
    const running = k === 0 ? runningMean! : runningVar!;
    const correction = k === 1 ? count / (count - 1) : 1;
    binaryInto(
      rt,
      op,
      '(1.0 - p0) * a + p0 * b * p1',
      running,
      { storage: batchStat, shape: [C] },
      out,
      outs[k + 1].shape,
      [attrs.momentum, correction],
    );
    rt.release(batchStat);
    return out;
  });
  rt.release(s);
  return [y, ...updated];
};

export const layerNormKernel: GpuKernel<LayerNormAttrs> = ({
  rt,
  op,
  inputs: [x, weight, bias],
  attrs,
  output,
}) => {
  const normalized =
    typeof attrs.normalized_shape === 'number' ? [attrs.normalized_shape] : attrs.normalized_shape;
  const K = sizeOf(normalized);
  const view: View = [1, x!.size / Math.max(K, 1), K];
  const y = output();
  rt.release(
    normalizeOwn(rt, op, x!, y, view, attrs.eps, {
      groups: 1,
      group_channels: K,
      channel_size: 1,
      weight,
      bias,
    }),
  );
  return [y];
};

export const groupNormKernel: GpuKernel<GroupNormAttrs> = ({
  rt,
  op,
  inputs: [x, weight, bias],
  attrs,
  output,
}) => {
  const [N, C] = x!.shape;
  const S = sizeOf(x!.shape.slice(2));
  const G = attrs.num_groups;
  const view: View = [1, N * G, (C / G) * S];
  const y = output();
  rt.release(
    normalizeOwn(rt, op, x!, y, view, attrs.eps, {
      groups: G,
      group_channels: C / G,
      channel_size: S,
      weight,
      bias,
    }),
  );
  return [y];
};

/**
 * norm_backward on the [P, Q, R] view: statistics with mean(g), mean(g·x̂), then dx and dy·x̂
 * elementwise, then dγ = Σ dy·x̂ and dβ = Σ dy per channel. Seen as [P, Q/groups, groups,
 * group_channels, channel_size], a channel's elements are dims 2 and 3 kept, the rest summed.
 */
export const normBackwardKernel: GpuKernel<AffineLayout & { eps: number }> = ({
  rt,
  op,
  inputs: [x, dy, weight],
  attrs,
  output,
}) => {
  const view = x!.shape as View;
  const [P, Q, R] = view;
  const s = stats(rt, op, x!.storage, view, attrs.eps, { dy: dy!.storage, weight, affine: attrs });
  const dx = output(0);
  const dyXhat = rt.scratch(x!.size, op);
  rt.dispatch({
    kernel: 'norm_backward',
    meta: [x!.size, Q, R, ...affineWords(attrs, weight)],
    inputs: [x!.storage, dy!.storage, weight?.storage ?? rt.constant(1), s],
    outputs: [dx, dyXhat],
    threads: x!.size,
    label: op,
  });
  const channels = [P, Q / attrs.groups, attrs.groups, attrs.group_channels, attrs.channel_size];
  const summed = new Set([0, 1, 4]);
  const dweight = output(1);
  const dbias = output(2);
  reduceInto(rt, op, { storage: dyXhat, shape: channels }, summed, dweight, 'sum');
  reduceInto(rt, op, { storage: dy!.storage, shape: channels }, summed, dbias, 'sum');
  rt.release(s);
  rt.release(dyXhat);
  return [dx, dweight, dbias];
};

export const embeddingKernel: GpuKernel = ({ rt, op, inputs: [indices, weight], outs, output }) => {
  const [V, D] = weight!.shape;
  const y = output();
  const n = sizeOf(outs[0].shape);
  rt.dispatch({
    kernel: 'embedding',
    meta: [n, D, V, valueErrorCode('embedding_index')],
    inputs: [indices!.storage, weight!.storage],
    outputs: [y],
    threads: n,
    label: op,
    reportsErrors: true,
  });
  return [y];
};

/** Below this many (table row, index) pairs the deterministic gather is cheap enough. */
const GATHER_PAIRS = 2 ** 20;

/**
 * embedding's table gradient: a deterministic gather (each table entry sums the rows that
 * picked it) for small problems, a float-atomic scatter-add for large ones.
 */
export const embeddingBackwardKernel: GpuKernel<{ num_weights: number; padding_idx: number | null }> = ({
  rt,
  op,
  inputs: [indices, grad],
  attrs,
  outs,
  output,
}) => {
  const [V, D] = outs[0].shape;
  const pad =
    attrs.padding_idx === null || attrs.padding_idx === undefined
      ? -1
      : attrs.padding_idx < 0
        ? attrs.padding_idx + V
        : attrs.padding_idx;
  const dw = output();
  const N = indices!.size;
  const code = valueErrorCode('embedding_index');
  if (V * N <= GATHER_PAIRS) {
    rt.dispatch({
      kernel: 'embedding_backward',
      meta: [V * D, D, N, pad >>> 0, code],
      reportsErrors: true,
      inputs: [indices!.storage, grad!.storage],
      outputs: [dw],
      threads: V * D,
      label: op,
    });
    return [dw];
  }
  fillWords(rt, op, dw, V * D, 0);
  rt.dispatch({
    kernel: 'embedding_scatter',
    meta: [N * D, D, V, pad >>> 0, code],
    reportsErrors: true,
    inputs: [indices!.storage, grad!.storage],
    outputs: [dw],
    threads: N * D,
    label: op,
  });
  return [dw];
};
