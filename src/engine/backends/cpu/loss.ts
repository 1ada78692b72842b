import { OpError } from '../../errors.ts';
import type { CpuTensor } from '../../op.ts';
import { allocFloat, type DType, type FloatStorage, floatFrom, type Shape, sizeOf } from '../../tensor.ts';
import { mapBinary, reduceToShape } from './elementwise.ts';

/**
 * CPU kernels of the loss ops. Sums run in float64 (JS numbers) and only the results are
 * stored in the output dtype (float32 or float64), so a mean over many elements loses nothing
 * to accumulation.
 */
export type Reduction = 'none' | 'mean' | 'sum' | 'batchmean';

const SCALAR_ZERO: CpuTensor = { data: new Float32Array(1), shape: [], dtype: 'float32' };

/** `t`'s values laid out in `shape` (t broadcast to it); no copy when it already has that shape. */
function expandData(t: CpuTensor, shape: Shape): ArrayLike<number> {
  if (t.data.length === sizeOf(shape) && t.shape.length === shape.length) return t.data;
  return mapBinary(t, SCALAR_ZERO, shape, (x) => x, 'float64');
}

/** One element's loss (or its derivative in x) from input x, target y, weight w and pos_weight pw. */
export type PointwiseFn = (x: number, y: number, w: number, pw: number) => number;

/** The operands of a pointwise loss; absent weights read as 1. */
export interface PointwiseOperands {
  input: CpuTensor;
  target: CpuTensor;
  weight?: CpuTensor | null;
  posWeight?: CpuTensor | null;
}

function expanded({ input, target, weight, posWeight }: PointwiseOperands, shape: Shape) {
  return {
    x: expandData(input, shape),
    y: expandData(target, shape),
    w: weight ? expandData(weight, shape) : null,
    pw: posWeight ? expandData(posWeight, shape) : null,
  };
}

/**
 * Forward of a pointwise loss over the broadcast `shape` of its operands: per-element losses
 * for 'none', else their sum, divided by `divisor` for 'mean'/'batchmean'.
 */
export function pointwiseLossForward(
  operands: PointwiseOperands,
  shape: Shape,
  reduction: Reduction,
  divisor: number,
  loss: PointwiseFn,
  dtype: DType,
): FloatStorage {
  const { x, y, w, pw } = expanded(operands, shape);
  const size = sizeOf(shape);
  if (reduction === 'none') {
    const out = allocFloat(dtype, size);
    for (let i = 0; i < size; i++) out[i] = loss(x[i], y[i], w ? w[i] : 1, pw ? pw[i] : 1);
    return out;
  }
  let total = 0;
  for (let i = 0; i < size; i++) total += loss(x[i], y[i], w ? w[i] : 1, pw ? pw[i] : 1);
  return floatFrom(dtype, [reduction === 'sum' ? total : total / divisor]);
}

/**
 * Backward of a pointwise loss: dL/dx_i = grad(x_i, …)·g_i, where g_i is the upstream
 * gradient (per element for 'none', else the scalar one over `divisor`), summed back to the
 * input's own shape where the input was broadcast.
 */
export function pointwiseLossBackward(
  gradOutput: CpuTensor,
  operands: PointwiseOperands,
  shape: Shape,
  reduction: Reduction,
  divisor: number,
  grad: PointwiseFn,
  dtype: DType,
): FloatStorage {
  const { x, y, w, pw } = expanded(operands, shape);
  const size = sizeOf(shape);
  const out = allocFloat(dtype, size);
  const g = gradOutput.data;
  const scale = reduction === 'none' ? 0 : reduction === 'sum' ? g[0] : g[0] / divisor;
  for (let i = 0; i < size; i++) {
    out[i] = grad(x[i], y[i], w ? w[i] : 1, pw ? pw[i] : 1) * (reduction === 'none' ? g[i] : scale);
  }
  const inputShape = operands.input.shape;
  if (sizeOf(inputShape) === size && inputShape.length === shape.length) return out;
  return reduceToShape({ data: out, shape, dtype }, inputShape) as FloatStorage;
}

/**
 * A class loss (cross_entropy, nll_loss) over input [N, C, d1, …] (or [C] unbatched), with
 * either class indices [N, d1, …] or class probabilities of the input's shape.
 */
export interface ClassLossArgs {
  op: string;
  input: CpuTensor;
  target: CpuTensor;
  weight: CpuTensor | null;
  reduction: Reduction;
  ignoreIndex: number;
  labelSmoothing: number;
  /** true: the input holds logits and log_softmax is taken inside (cross_entropy) */
  logits: boolean;
  /** the output's float dtype */
  dtype: DType;
}

/**
 * The row layout of a class loss: rows are (n, d…) positions, each with C classes spaced
 * `stride` apart; row r = n·stride + s starts at n·C·stride + s.
 */
function layout(input: CpuTensor) {
  const unbatched = input.shape.length === 1;
  const classes = unbatched ? input.shape[0] : input.shape[1];
  const stride = unbatched ? 1 : sizeOf(input.shape.slice(2));
  const rows = unbatched ? 1 : input.shape[0] * stride;
  return { classes, stride, rows, rowStart: (r: number) => (r - (r % stride)) * classes + (r % stride) };
}

/**
 * Each row's loss is −Σ_c q_c·log p_c with a weighted target distribution q, kept as
 * q = dense + spike·onehot(y) so that the common case costs O(1) beyond the log-sum-exp:
 *   class index y:   spike = (1−ε)·w_y, dense = (ε/C)·w shared by all rows (none when ε = 0);
 *   probabilities t: no spike, dense = ((1−ε)·t + ε/C)·w for the row.
 * `load(r)` fills `row` for row r, or returns false for an ignored target. `share` is the row's
 * part of the 'mean' divisor: w_y for indices (as nll_loss), 1 for probabilities.
 */
function rowTargets(args: ClassLossArgs) {
  const { classes, stride, rowStart } = layout(args.input);
  const eps = args.labelSmoothing;
  const w = args.weight?.data;
  const t = args.target.data;
  const byIndex = args.target.dtype === 'int32';
  const weightOf = (c: number) => (w ? w[c] : 1);
  const smoothing =
    byIndex && eps > 0
      ? Float64Array.from({ length: classes }, (_, c) => (eps / classes) * weightOf(c))
      : null;
  const smoothingMass = smoothing ? smoothing.reduce((a, b) => a + b, 0) : 0;
  const row = { y: -1, spike: 0, share: 0, mass: 0, dense: byIndex ? smoothing : new Float64Array(classes) };
  const load = (r: number): boolean => {
    if (byIndex) {
      const y = t[r];
      if (y === args.ignoreIndex) return false;
      if (y < 0 || y >= classes) throw new OpError('value', args.op, `Target ${y} is out of bounds.`);
      const wy = weightOf(y);
      row.y = y;
      row.spike = (1 - eps) * wy;
      row.share = wy;
      row.mass = row.spike + smoothingMass;
      return true;
    }
    const dense = row.dense!;
    const base = rowStart(r);
    let mass = 0;
    for (let c = 0; c < classes; c++) {
      dense[c] = ((1 - eps) * t[base + c * stride] + eps / classes) * weightOf(c);
      mass += dense[c];
    }
    row.share = 1;
    row.mass = mass;
    return true;
  };
  return { row, load, byIndex };
}

/** log Σ_c exp(z_c) over one row, in one pass (running max, rescaled running sum). */
function logSumExp(z: ArrayLike<number>, start: number, classes: number, stride: number): number {
  let max = z[start];
  let sum = 1;
  for (let c = 1, i = start + stride; c < classes; c++, i += stride) {
    const v = z[i];
    if (v > max) {
      sum = sum * Math.exp(max - v) + 1;
      max = v;
    } else {
      sum += Math.exp(v - max);
    }
  }
  return max + Math.log(sum);
}

/** The 'mean' divisor: Σ w[y] over the counted rows for indices, the number of rows for probabilities. */
function meanDivisor(args: ClassLossArgs): number {
  const { rows } = layout(args.input);
  const { row, load, byIndex } = rowTargets(args);
  if (!byIndex) return rows;
  let total = 0;
  for (let r = 0; r < rows; r++) if (load(r)) total += row.share;
  return total;
}

export function classLossForward(args: ClassLossArgs): FloatStorage {
  const { classes, stride, rows, rowStart } = layout(args.input);
  const { row, load } = rowTargets(args);
  const z = args.input.data;
  const perRow = new Float64Array(rows);
  let divisor = 0;
  for (let r = 0; r < rows; r++) {
    if (!load(r)) continue;
    divisor += row.share;
    const start = rowStart(r);
    // −log p_c = lse − z_c for logits; the input is log p itself for nll_loss
    const lse = args.logits ? logSumExp(z, start, classes, stride) : 0;
    let loss = row.spike === 0 ? 0 : row.spike * (lse - z[start + row.y * stride]);
    const dense = row.dense;
    if (dense) for (let c = 0, i = start; c < classes; c++, i += stride) loss += dense[c] * (lse - z[i]);
    perRow[r] = loss;
  }
  if (args.reduction === 'none') return floatFrom(args.dtype, perRow);
  let total = 0;
  for (let r = 0; r < rows; r++) total += perRow[r];
  // 'mean' over no counted rows is 0/0 = NaN, as in PyTorch
  return floatFrom(args.dtype, [args.reduction === 'mean' ? total / divisor : total]);
}

/**
 * dL/dz_c = g_r·(softmax(z)_c·Σq − q_c) for logits, or −g_r·q_c for log-probabilities, where
 * g_r is the row's upstream gradient (over the 'mean' divisor when reduced by mean).
 */
export function classLossBackward(gradOutput: CpuTensor, args: ClassLossArgs): FloatStorage {
  const { classes, stride, rows, rowStart } = layout(args.input);
  const { row, load } = rowTargets(args);
  const z = args.input.data;
  const g = gradOutput.data;
  const out = allocFloat(args.dtype, z.length);
  const scale = args.reduction === 'mean' ? g[0] / meanDivisor(args) : g[0];
  for (let r = 0; r < rows; r++) {
    if (!load(r)) continue;
    const gr = args.reduction === 'none' ? g[r] : scale;
    const start = rowStart(r);
    const dense = row.dense;
    if (args.logits) {
      // softmax with one exp per element: e_c = exp(z_c − max) is kept in `out`, then scaled
      let max = z[start];
      for (let c = 1, i = start + stride; c < classes; c++, i += stride) if (z[i] > max) max = z[i];
      let sum = 0;
      for (let c = 0, i = start; c < classes; c++, i += stride) {
        out[i] = Math.exp(z[i] - max);
        sum += out[i];
      }
      const k = (gr * row.mass) / sum;
      for (let c = 0, i = start; c < classes; c++, i += stride)
        out[i] = k * out[i] - (dense ? gr * dense[c] : 0);
    } else if (dense) {
      for (let c = 0, i = start; c < classes; c++, i += stride) out[i] = -gr * dense[c];
    }
    if (row.spike !== 0) out[start + row.y * stride] -= gr * row.spike;
  }
  return out;
}
