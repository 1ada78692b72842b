import {
  type ConvAttrs,
  type ConvTransposeAttrs,
  convShape,
  convTransposeShape,
} from '../../../ops/_conv.ts';
import {
  type AvgPoolAttrs,
  adaptiveShape,
  avgPoolOptions,
  type MaxPoolAttrs,
  poolShape,
} from '../../../ops/_pool.ts';
import type { ConvWeightGradAttrs } from '../../../ops/conv2d_backward_weight.ts';
import type { LinearActAttrs } from '../../../ops/linear_act.ts';
import { sizeOf } from '../../../tensor.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
import { activationExprs } from './elementwise.ts';
import { gemm, tileThreads } from './matmul.ts';
import { reduceInto } from './reduce.ts';
import type { GpuKernel, GpuTensor } from './types.ts';

/**
 * y = act(x·Wᵀ + b) as one GEMM over all leading dims, W read transposed in place, the
 * activation (WGSL of one f32 `x`) applied as each element is written.
 */
function linearInto(
  rt: GpuRuntime,
  op: string,
  [x, w, b]: (GpuTensor | null)[],
  y: GpuStorage,
  activation?: string,
): void {
  const [outF, inF] = w!.shape;
  gemm(rt, op, x!.storage, w!.storage, y, {
    M: sizeOf(x!.shape.slice(0, -1)),
    N: outF,
    K: inF,
    batch: [],
    aBatchStrides: [],
    bBatchStrides: [],
    transB: true,
    bias: b?.storage,
    biasBroadcast: b !== null && b !== undefined && b.size === 1,
    activation,
  });
}

/** linear: y = x·Wᵀ + b. */
export const linearKernel: GpuKernel = ({ rt, op, inputs, output }) => {
  const y = output();
  linearInto(rt, op, inputs, y);
  return [y];
};

/** linear_act: the activation fused into the GEMM's write, with the unary kernels' expressions. */
export const linearActKernel: GpuKernel<LinearActAttrs> = ({ rt, op, inputs, attrs, output }) => {
  const y = output();
  const { activation } = attrs;
  linearInto(rt, op, inputs, y, activation === 'none' ? undefined : activationExprs[activation](attrs));
  return [y];
};

/** dW[out, in] = dYᵀ·X, dY read transposed in place. */
export const linearBackwardWeightKernel: GpuKernel = ({ rt, op, inputs: [dy, x], output }) => {
  const [rows, outF] = dy!.shape;
  const inF = x!.shape[1];
  const dw = output();
  gemm(rt, op, dy!.storage, x!.storage, dw, {
    M: outF,
    N: inF,
    K: rows,
    batch: [],
    aBatchStrides: [],
    bBatchStrides: [],
    transA: true,
  });
  return [dw];
};

interface ConvGemm {
  mode: 0 | 1 | 2;
  M: number;
  N: number;
  K: number;
  /** grid z: batch·groups (modes 0, 1) or groups (mode 2) */
  batches: number;
  groups: number;
  cg: number;
  og: number;
  image: number[];
  out: number[];
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
}

/**
 * Threads per workgroup side (rows TM, columns TN; each thread 4×4 outputs). A product with
 * few rows (output channels) or few columns (a weight gradient's C·kh·kw) gets a tile cut to
 * its size: a square 64×64 tile over LeNet's 6 channels × 25 taps computes 27 times the
 * useful work. Large products keep the square tiles of matmul.
 */
export function convTiles(M: number, N: number, batches: number): { tm: number; tn: number } {
  if (M > 16 && N > 64) {
    const ts = tileThreads(M, N, batches);
    return { tm: ts, tn: ts };
  }
  // the power of two threads that cover `size` at 4 outputs each, within [2, max]
  const threadsFor = (size: number, max: number) =>
    Math.min(max, Math.max(2, 2 ** Math.ceil(Math.log2(size / 4))));
  const tm = threadsFor(M, 16);
  return { tm, tn: threadsFor(N, Math.min(32, 256 / tm)) };
}

function convGemm(
  rt: GpuRuntime,
  label: string,
  a: GpuStorage,
  b: GpuStorage,
  bias: GpuTensor | null,
  out: GpuStorage,
  s: ConvGemm,
): void {
  const [, C, H, W] = s.image;
  const [, O, OH, OW] = s.out;
  const { tm, tn } = convTiles(s.M, s.N, s.batches);
  // the layer's geometry is compiled into the kernel (see gpu/conv_gemm.wgsl)
  const geometry = [
    s.M,
    s.N,
    s.K,
    s.groups,
    s.cg,
    s.og,
    C,
    H,
    W,
    O,
    OH,
    OW,
    ...s.kernel,
    ...s.stride,
    ...s.padding,
    ...s.dilation,
    bias ? 1 : 0,
    s.image[0],
  ];
  const tiles = Math.ceil(s.N / (4 * tn)) * Math.ceil(s.M / (4 * tm));
  const split = s.mode === 2 ? splitK(s.K, tiles * s.batches) : 1;
  const target = split > 1 ? rt.scratch(split * s.out[1] * s.N, label) : out;
  rt.inSlices(s.batches * split, (first, count) =>
    rt.dispatch({
      kernel: 'conv_gemm',
      defines: {
        MODE: s.mode,
        TM: tm,
        TN: tn,
        SPLIT: split,
        GEOM: geometry.map((g) => `${g}u`).join(', '),
      },
      meta: [first],
      inputs: [a, b, bias?.storage ?? rt.constant(0)],
      outputs: [target],
      workgroups: [Math.ceil(s.N / (4 * tn)), Math.ceil(s.M / (4 * tm)), count],
      label,
    }),
  );
  if (split > 1) {
    reduceInto(rt, label, { storage: target, shape: [split, s.out[1] * s.N] }, new Set([0]), out, 'sum');
    rt.release(target);
  }
}

/** Workgroups a product should at least occupy before its K is split over more of them. */
const BUSY_WORKGROUPS = 128;
/** K steps per split, at least: shorter ones cost more in partial sums than they save. */
const MIN_SPLIT_K = 256;

/**
 * Splits of a long K (a weight gradient sums over batch × positions into a small output, which
 * gives few tiles each walking all of K): enough to occupy the GPU, each at least MIN_SPLIT_K
 * long, at most 64 (the partial sums are then added by one short reduction per output).
 */
export function splitK(K: number, workgroups: number): number {
  if (workgroups >= BUSY_WORKGROUPS) return 1;
  return Math.max(1, Math.min(64, Math.floor(K / MIN_SPLIT_K), Math.ceil(BUSY_WORKGROUPS / workgroups)));
}

export const conv2dKernel: GpuKernel<ConvAttrs> = ({ rt, op, inputs: [x, w, b], attrs, output }) => {
  const s = convShape(op, [x, w, b], attrs, 2);
  if (s instanceof Error) throw s;
  const { groups } = s.params;
  const [O, cg, kh, kw] = w!.shape;
  const y = output();
  convGemm(rt, op, w!.storage, x!.storage, b, y, {
    mode: 0,
    M: O / groups,
    N: s.output[2] * s.output[3],
    K: cg * kh * kw,
    batches: s.input[0] * groups,
    groups,
    cg,
    og: O / groups,
    image: [...s.input],
    out: s.output,
    kernel: [kh, kw],
    stride: s.params.stride,
    padding: s.params.padding,
    dilation: s.params.dilation,
  });
  return [y];
};

export const convTranspose2dKernel: GpuKernel<ConvTransposeAttrs> = ({
  rt,
  op,
  inputs: [x, w, b],
  attrs,
  output,
}) => {
  const s = convTransposeShape(op, [x, w, b], attrs, 2);
  if (s instanceof Error) throw s;
  const { groups } = s.params;
  const [C, og, kh, kw] = w!.shape;
  const y = output();
  convGemm(rt, op, w!.storage, x!.storage, b, y, {
    mode: 1,
    M: og,
    N: s.output[2] * s.output[3],
    K: (C / groups) * kh * kw,
    batches: s.input[0] * groups,
    groups,
    cg: C / groups,
    og,
    image: [...s.input],
    out: s.output,
    kernel: [kh, kw],
    stride: s.params.stride,
    padding: s.params.padding,
    dilation: s.params.dilation,
  });
  return [y];
};

export const conv2dBackwardWeightKernel: GpuKernel<ConvWeightGradAttrs> = ({
  rt,
  op,
  inputs: [x, dy],
  attrs,
  outs,
  output,
}) => {
  const [O, cg, kh, kw] = outs[0].shape;
  const groups = attrs.groups;
  const expand = (v: number | readonly number[]) =>
    typeof v === 'number' ? [v, v] : v.length === 1 ? [v[0], v[0]] : [...v];
  const dw = output();
  convGemm(rt, op, dy!.storage, x!.storage, null, dw, {
    mode: 2,
    M: O / groups,
    N: cg * kh * kw,
    K: dy!.shape[0] * dy!.shape[2] * dy!.shape[3],
    batches: groups,
    groups,
    cg,
    og: O / groups,
    image: [...x!.shape],
    out: [...dy!.shape],
    kernel: [kh, kw],
    stride: expand(attrs.stride),
    padding: expand(attrs.padding),
    dilation: expand(attrs.dilation),
  });
  return [dw];
};

const POOL_MODES = {
  max: 0,
  avg: 1,
  adaptive: 2,
  max_backward: 3,
  avg_backward: 4,
  adaptive_backward: 5,
} as const;

interface PoolCall {
  mode: keyof typeof POOL_MODES;
  count: number;
  /** [H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, count_include_pad, divisor] */
  geometry: number[];
  x: GpuStorage;
  grad: GpuStorage;
}

function pool(rt: GpuRuntime, label: string, out: GpuStorage, c: PoolCall): void {
  rt.dispatch({
    kernel: 'pool',
    defines: { MODE: POOL_MODES[c.mode] },
    meta: [c.count, ...c.geometry],
    inputs: [c.x, c.grad],
    outputs: [out],
    threads: c.count,
    label,
  });
}

function windowGeometry(
  shape: readonly number[],
  attrs: MaxPoolAttrs | AvgPoolAttrs,
  op: 'max_pool2d' | 'avg_pool2d',
): number[] {
  const s = poolShape(
    op,
    { shape, dtype: 'float32' },
    attrs,
    op === 'max_pool2d' ? (attrs as MaxPoolAttrs).dilation : 1,
  );
  if (s instanceof Error) throw s;
  const g = s.geometry;
  const avg =
    op === 'avg_pool2d'
      ? avgPoolOptions(attrs as AvgPoolAttrs)
      : { countIncludePad: false, divisorOverride: null };
  return [
    g.height,
    g.width,
    g.outHeight,
    g.outWidth,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    avg.countIncludePad ? 1 : 0,
    avg.divisorOverride ?? 0,
  ];
}

function adaptiveGeometry(
  shape: readonly number[],
  attrs: { output_size: number | number[] },
  op: string,
): number[] {
  const s = adaptiveShape(op, { shape, dtype: 'float32' }, attrs as never);
  if (s instanceof Error) throw s;
  return [s.height, s.width, s.outHeight, s.outWidth, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0];
}

export const maxPool2dKernel: GpuKernel<MaxPoolAttrs> = ({ rt, op, inputs: [x], attrs, outs, output }) => {
  const y = output();
  pool(rt, op, y, {
    mode: 'max',
    count: sizeOf(outs[0].shape),
    geometry: windowGeometry(x!.shape, attrs, 'max_pool2d'),
    x: x!.storage,
    grad: x!.storage,
  });
  return [y];
};

export const maxPool2dBackwardKernel: GpuKernel<MaxPoolAttrs> = ({
  rt,
  op,
  inputs: [x, dy],
  attrs,
  output,
}) => {
  const dx = output();
  pool(rt, op, dx, {
    mode: 'max_backward',
    count: x!.size,
    geometry: windowGeometry(x!.shape, attrs, 'max_pool2d'),
    x: x!.storage,
    grad: dy!.storage,
  });
  return [dx];
};

export const avgPool2dKernel: GpuKernel<AvgPoolAttrs> = ({ rt, op, inputs: [x], attrs, outs, output }) => {
  const y = output();
  pool(rt, op, y, {
    mode: 'avg',
    count: sizeOf(outs[0].shape),
    geometry: windowGeometry(x!.shape, attrs, 'avg_pool2d'),
    x: x!.storage,
    grad: x!.storage,
  });
  return [y];
};

export const avgPool2dBackwardKernel: GpuKernel<AvgPoolAttrs & { input_size: number[] }> = ({
  rt,
  op,
  inputs: [dy],
  attrs,
  output,
}) => {
  const dx = output();
  const geometry = windowGeometry(attrs.input_size, attrs, 'avg_pool2d');
  pool(rt, op, dx, {
    mode: 'avg_backward',
    count: sizeOf(attrs.input_size),
    geometry,
    x: dy!.storage,
    grad: dy!.storage,
  });
  return [dx];
};

export const adaptiveAvgPool2dKernel: GpuKernel<{ output_size: number | number[] }> = ({
  rt,
  op,
  inputs: [x],
  attrs,
  outs,
  output,
}) => {
  const y = output();
  pool(rt, op, y, {
    mode: 'adaptive',
    count: sizeOf(outs[0].shape),
    geometry: adaptiveGeometry(x!.shape, attrs, op),
    x: x!.storage,
    grad: x!.storage,
  });
  return [y];
};

export const adaptiveAvgPool2dBackwardKernel: GpuKernel<{
  output_size: number | number[];
  input_size: number[];
}> = ({ rt, op, inputs: [dy], attrs, output }) => {
  const dx = output();
  const geometry = adaptiveGeometry(attrs.input_size, attrs, op);
  pool(rt, op, dx, {
    mode: 'adaptive_backward',
    count: sizeOf(attrs.input_size),
    geometry,
    x: dy!.storage,
    grad: dy!.storage,
  });
  return [dx];
};
