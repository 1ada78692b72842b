import type { CpuTensor } from '../../op.ts';
import {
  allocFloat,
  allocStorage,
  type FloatStorage,
  type Shape,
  type Storage,
  sizeOf,
} from '../../tensor.ts';
import { broadcastStrides } from './elementwise.ts';

/**
 * A shape seen around one dim: `outer` blocks before it, `size` along it, `inner` elements
 * after it. Element (o, i, k) sits at (o·size + i)·inner + k in row-major order.
 */
export interface AxisView {
  outer: number;
  size: number;
  inner: number;
}

export function axisView(shape: Shape, dim: number): AxisView {
  return {
    outer: sizeOf(shape.slice(0, dim)),
    size: shape.length === 0 ? 1 : shape[dim],
    inner: sizeOf(shape.slice(dim + 1)),
  };
}

/**
 * Fold x over the reduced dims into `keptShape` (x's shape with reduced dims set to 1).
 * Accumulates in float64, so long sums keep their precision before the float32 store.
 */
export function reduceDims(
  x: CpuTensor,
  keptShape: Shape,
  init: number,
  combine: (acc: number, v: number) => number,
): Float64Array {
  const acc = new Float64Array(sizeOf(keptShape)).fill(init);
  const rank = x.shape.length;
  const src = x.data;
  if (rank === 0) {
    acc[0] = combine(init, src[0]);
    return acc;
  }
  const strides = broadcastStrides(keptShape, x.shape);
  const index = new Array<number>(rank).fill(0);
  let at = 0;
  for (let i = 0; i < src.length; i++) {
    acc[at] = combine(acc[at], src[i]);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < x.shape[d]) break;
      at -= strides[d] * x.shape[d];
      index[d] = 0;
    }
  }
  return acc;
}

/** max that lets a NaN win, like torch.amax */
export function maxPropagatingNaN(a: number, b: number): number {
  return a > b || Number.isNaN(a) ? a : b;
}

/**
 * Softmax (or log-softmax) along one dim in one max-subtracting pass per row, in float64:
 * logits of ±1000 neither overflow nor lose the small probabilities.
 */
export function softmaxAlong(x: CpuTensor, dim: number, log: boolean): FloatStorage {
  const { outer, size, inner } = axisView(x.shape, dim);
  const src = x.data;
  const out = allocFloat(x.dtype, src.length);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * size * inner + k;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < size; i++) max = maxPropagatingNaN(max, src[base + i * inner]);
      // a row of all −∞ has no finite max; subtracting 0 keeps PyTorch's NaN result there
      const shift = Number.isFinite(max) ? max : 0;
      let total = 0;
      for (let i = 0; i < size; i++) total += Math.exp(src[base + i * inner] - shift);
      const logTotal = Math.log(total);
      for (let i = 0; i < size; i++) {
        const z = src[base + i * inner] - shift;
        out[base + i * inner] = log ? z - logTotal : Math.exp(z) / total;
      }
    }
  }
  return out;
}

/**
 * Copy a strided window along one dim: out[o, j, k] = x[o, start + j·step, k] for j < count.
 * Narrow, slice and concat's gradient all reduce to this.
 */
export function takeAlong(x: CpuTensor, dim: number, start: number, step: number, count: number): Storage {
  const { outer, size, inner } = axisView(x.shape, dim);
  const out = allocStorage(x.dtype, outer * count * inner);
  const src = x.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const from = (o * size + start + j * step) * inner;
      out.set(src.subarray(from, from + inner), (o * count + j) * inner);
    }
  }
  return out;
}

/** The reverse of takeAlong: a zero tensor of `shape` with the window filled from x. */
export function placeAlong(x: CpuTensor, shape: Shape, dim: number, start: number, step: number): Storage {
  const { outer, size, inner } = axisView(shape, dim);
  const count = x.shape.length === 0 ? 1 : x.shape[dim];
  const out = allocStorage(x.dtype, sizeOf(shape));
  const src = x.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const from = (o * count + j) * inner;
      out.set(src.subarray(from, from + inner), (o * size + start + j * step) * inner);
    }
  }
  return out;
}
