import type { CpuTensor } from '../../op.ts';
import {
  allocStorage,
  type DType,
  floatTypeOf,
  type Shape,
  type Storage,
  sizeOf,
  stridesOf,
} from '../../tensor.ts';

/** Strides of `shape` seen from a broadcast `outShape` (0 along broadcast dims). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : own[j];
  });
}

/** out[i] = f(x[i]), stored as `dtype` (by default x's float type: float64 stays float64). */
export function mapUnary(x: CpuTensor, f: (v: number) => number, dtype: DType = floatTypeOf(x)): Storage {
  const src = x.data;
  const out = allocStorage(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
  return out;
}

/**
 * out[i] = f(a[ia], b[ib]) with broadcasting, stored as `dtype` (by default the promoted float
 * type of a and b). The inner loop walks the last dim with constant strides, so the general
 * case costs one multiply-add per element.
 */
export function mapBinary(
  a: CpuTensor,
  b: CpuTensor,
  outShape: Shape,
  f: (x: number, y: number) => number,
  dtype: DType = floatTypeOf(a, b),
): Storage {
  const size = sizeOf(outShape);
  const out = allocStorage(dtype, size);
  const ad = a.data;
  const bd = b.data;
  if (ad.length === size && bd.length === size) {
    for (let i = 0; i < size; i++) out[i] = f(ad[i], bd[i]);
    return out;
  }
  if (bd.length === 1 && ad.length === size) {
    const y = bd[0];
    for (let i = 0; i < size; i++) out[i] = f(ad[i], y);
    return out;
  }
  if (ad.length === 1 && bd.length === size) {
    const x = ad[0];
    for (let i = 0; i < size; i++) out[i] = f(x, bd[i]);
    return out;
  }
  if (size === 0) return out;
  const rank = outShape.length;
  const sa = broadcastStrides(a.shape, outShape);
  const sb = broadcastStrides(b.shape, outShape);
  const inner = outShape[rank - 1];
  const ia = sa[rank - 1];
  const ib = sb[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let pa = 0;
  let pb = 0;
  for (let o = 0; o < size; o += inner) {
    let xa = pa;
    let xb = pb;
    for (let k = 0; k < inner; k++) {
      out[o + k] = f(ad[xa], bd[xb]);
      xa += ia;
      xb += ib;
    }
    // advance the outer multi-index (all dims but the last), odometer style
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      pa += sa[d];
      pb += sb[d];
      if (index[d] < outShape[d]) break;
      pa -= sa[d] * outShape[d];
      pb -= sb[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** Sum a broadcast-shaped array back down to `shape` (the reverse of broadcasting), in x's dtype. */
export function reduceToShape(x: CpuTensor, shape: Shape): Storage {
  const out = allocStorage(x.dtype, sizeOf(shape));
  const rank = x.shape.length;
  if (rank === 0) {
    out[0] = x.data[0];
    return out;
  }
  const so = broadcastStrides(shape, x.shape);
  const index = new Array<number>(rank).fill(0);
  let po = 0;
  const src = x.data;
  for (let i = 0; i < src.length; i++) {
    out[po] += src[i];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      po += so[d];
      if (index[d] < x.shape[d]) break;
      po -= so[d] * x.shape[d];
      index[d] = 0;
    }
  }
  return out;
}
