/**
 * 2-D convolution kernels as im2col + GEMM. One image and one group at a time, the windows
 * are unrolled into a column matrix col[(c, ki, kj), (oh, ow)], so that
 *   forward          y_g  = W_g · col(x_g)                  (gemm)
 *   transposed conv  y_g  = col2im(W_gᵀ · x_g)              (gemmTransA, then scatter-add)
 *   weight gradient  dW_g += dy_g · col(x_g)ᵀ               (gemmTransB)
 * The column buffer is allocated once per call and reused for every image and group.
 */
import { gemm, gemmTransA, gemmTransB } from './matmul.ts';
import { allocFloat, type DType, type FloatStorage } from '../../tensor.ts';

/**
 * A convolution seen from the forward direction: `height × width` is the side the kernel
 * slides over (inChannels), `outHeight × outWidth` the side with one value per window
 * (outChannels). A transposed convolution uses the same geometry with the roles swapped.
 */
export interface ConvGeometry {
  batch: number;
  inChannels: number;
  height: number;
  width: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  groups: number;
}

/** The range of output columns whose tap at offset `off` lands inside [0, size). */
function validRange(off: number, stride: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-off / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 - off) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/** True when the column matrix of one group is the input itself (1×1, stride 1, no padding). */
function isPointwise(g: ConvGeometry): boolean {
  return (
    g.kernelH === 1 && g.kernelW === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0
  );
}

/** col[(c, ki, kj), (oh, ow)] = x[c0 + c, oh·sh − ph + ki·dh, ow·sw − pw + kj·dw], zero outside. */
function im2col(
  x: FloatStorage,
  xOff: number,
  g: ConvGeometry,
  c0: number,
  channels: number,
  col: FloatStorage,
) {
  const { height: H, width: W, outHeight: Ho, outWidth: Wo, strideH: sh, strideW: sw } = g;
  const P = Ho * Wo;
  let dst = 0;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + (c0 + c) * H * W;
    for (let ki = 0; ki < g.kernelH; ki++) {
      const offH = ki * g.dilationH - g.padH;
      for (let kj = 0; kj < g.kernelW; kj++, dst += P) {
        const offW = kj * g.dilationW - g.padW;
        const [lo, hi] = validRange(offW, sw, W, Wo);
        for (let oh = 0; oh < Ho; oh++) {
          const d = dst + oh * Wo;
          const ih = oh * sh + offH;
          if (ih < 0 || ih >= H) {
            col.fill(0, d, d + Wo);
            continue;
          }
          col.fill(0, d, d + lo);
          let src = plane + ih * W + lo * sw + offW;
          if (sw === 1) {
            col.set(x.subarray(src, src + hi - lo), d + lo);
          } else {
            for (let ow = lo; ow < hi; ow++, src += sw) col[d + ow] = x[src];
          }
          col.fill(0, d + hi, d + Wo);
        }
      }
    }
  }
}

/** The adjoint of im2col: out[c0 + c, ih, iw] += col[(c, ki, kj), (oh, ow)] for every tap. */
function col2im(
  col: FloatStorage,
  g: ConvGeometry,
  c0: number,
  channels: number,
  out: FloatStorage,
  outOff: number,
) {
  const { height: H, width: W, outHeight: Ho, outWidth: Wo, strideH: sh, strideW: sw } = g;
  const P = Ho * Wo;
  let src = 0;
  for (let c = 0; c < channels; c++) {
    const plane = outOff + (c0 + c) * H * W;
    for (let ki = 0; ki < g.kernelH; ki++) {
      const offH = ki * g.dilationH - g.padH;
      for (let kj = 0; kj < g.kernelW; kj++, src += P) {
        const offW = kj * g.dilationW - g.padW;
        const [lo, hi] = validRange(offW, sw, W, Wo);
        for (let oh = 0; oh < Ho; oh++) {
          const ih = oh * sh + offH;
          if (ih < 0 || ih >= H) continue;
          const s = src + oh * Wo;
          let d = plane + ih * W + lo * sw + offW;
          for (let ow = lo; ow < hi; ow++, d += sw) out[d] += col[s + ow];
        }
      }
    }
  }
}

function addChannelBias(
  out: FloatStorage,
  bias: ArrayLike<number>,
  batch: number,
  channels: number,
  plane: number,
) {
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const b = bias[c];
      const start = (n * channels + c) * plane;
      for (let i = start; i < start + plane; i++) out[i] += b;
    }
  }
}

/** y[N, O, Ho, Wo] = conv2d(x[N, C, H, W], w[O, C/groups, kh, kw]) + bias, stored as `dtype`. */
export function conv2dForward(
  x: FloatStorage,
  w: FloatStorage,
  bias: ArrayLike<number> | null,
  g: ConvGeometry,
  dtype: DType,
): FloatStorage {
  const cg = g.inChannels / g.groups;
  const og = g.outChannels / g.groups;
  const depth = cg * g.kernelH * g.kernelW;
  const P = g.outHeight * g.outWidth;
  const planeIn = g.height * g.width;
  const out = allocFloat(dtype, g.batch * g.outChannels * P);
  const pointwise = isPointwise(g);
  const col = pointwise ? null : allocFloat(dtype, depth * P);
  for (let n = 0; n < g.batch; n++) {
    for (let gi = 0; gi < g.groups; gi++) {
      const xOff = (n * g.inChannels + gi * cg) * planeIn;
      const yOff = (n * g.outChannels + gi * og) * P;
      if (col) {
        im2col(x, n * g.inChannels * planeIn, g, gi * cg, cg, col);
        gemm(w, gi * og * depth, col, 0, out, yOff, og, depth, P);
      } else {
        gemm(w, gi * og * depth, x, xOff, out, yOff, og, depth, P);
      }
    }
  }
  if (bias) addChannelBias(out, bias, g.batch, g.outChannels, P);
  return out;
}

/**
 * The transposed convolution (the adjoint of conv2dForward in x): `x` lives on the window
 * side [N, outChannels, outHeight, outWidth] of `g`, the result on the input side
 * [N, inChannels, height, width]; w is [outChannels, inChannels/groups, kh, kw].
 */
export function convTranspose2dForward(
  x: FloatStorage,
  w: FloatStorage,
  bias: ArrayLike<number> | null,
  g: ConvGeometry,
  dtype: DType,
): FloatStorage {
  const cg = g.inChannels / g.groups;
  const og = g.outChannels / g.groups;
  const depth = cg * g.kernelH * g.kernelW;
  const P = g.outHeight * g.outWidth;
  const planeOut = g.height * g.width;
  const out = allocFloat(dtype, g.batch * g.inChannels * planeOut);
  const pointwise = isPointwise(g);
  const col = allocFloat(dtype, depth * P);
  for (let n = 0; n < g.batch; n++) {
    for (let gi = 0; gi < g.groups; gi++) {
      const xOff = (n * g.outChannels + gi * og) * P;
      if (pointwise) {
        gemmTransA(w, gi * og * depth, x, xOff, out, (n * g.inChannels + gi * cg) * planeOut, depth, og, P);
        continue;
      }
      col.fill(0);
      gemmTransA(w, gi * og * depth, x, xOff, col, 0, depth, og, P);
      col2im(col, g, gi * cg, cg, out, n * g.inChannels * planeOut);
    }
  }
  if (bias) addChannelBias(out, bias, g.batch, g.inChannels, planeOut);
  return out;
}

/** dW[O, C/groups, kh, kw] = Σ_n dy[n]·col(x[n])ᵀ per group: the weight gradient of conv2d. */
export function conv2dWeightGrad(
  x: FloatStorage,
  dy: FloatStorage,
  g: ConvGeometry,
  dtype: DType,
): FloatStorage {
  const cg = g.inChannels / g.groups;
  const og = g.outChannels / g.groups;
  const depth = cg * g.kernelH * g.kernelW;
  const P = g.outHeight * g.outWidth;
  const planeIn = g.height * g.width;
  const dw = allocFloat(dtype, g.outChannels * depth);
  const pointwise = isPointwise(g);
  const col = pointwise ? null : allocFloat(dtype, depth * P);
  for (let n = 0; n < g.batch; n++) {
    for (let gi = 0; gi < g.groups; gi++) {
      const dyOff = (n * g.outChannels + gi * og) * P;
      if (col) {
        im2col(x, n * g.inChannels * planeIn, g, gi * cg, cg, col);
        gemmTransB(dy, dyOff, col, 0, dw, gi * og * depth, og, P, depth);
      } else {
        gemmTransB(dy, dyOff, x, (n * g.inChannels + gi * cg) * planeIn, dw, gi * og * depth, og, P, depth);
      }
    }
  }
  return dw;
}
