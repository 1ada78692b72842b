/**
 * 2-D pooling kernels over planes (N·C independent H×W images), PyTorch's CPU semantics:
 * max pooling pads with −∞, keeps the first maximum and lets NaN win; average pooling divides
 * by the window clipped to the padded input (count_include_pad) or to the input itself.
 */
import { allocFloat, type DType, type FloatStorage } from '../../tensor.ts';

export interface PoolGeometry {
  /** N·C (or C for unbatched input) */
  planes: number;
  height: number;
  width: number;
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
}

/** First in-range tap ≥ 0 of a dilated window starting at `start` (the taps run start + i·dilation). */
function firstTap(start: number, dilation: number): number {
  return start < 0 ? start + Math.ceil(-start / dilation) * dilation : start;
}

/**
 * The plane-local index of each window's maximum; `visit(outIndex, inIndex)` is called once
 * per window. Shared by the forward (take the value) and the backward (route the gradient).
 */
function forEachArgmax(x: FloatStorage, g: PoolGeometry, visit: (o: number, i: number) => void): void {
  const { height: H, width: W, outHeight: Ho, outWidth: Wo, dilationH: dh, dilationW: dw } = g;
  for (let p = 0; p < g.planes; p++) {
    const plane = p * H * W;
    for (let oh = 0; oh < Ho; oh++) {
      const hStart = oh * g.strideH - g.padH;
      const h0 = firstTap(hStart, dh);
      const h1 = Math.min(hStart + (g.kernelH - 1) * dh + 1, H);
      for (let ow = 0; ow < Wo; ow++) {
        const wStart = ow * g.strideW - g.padW;
        const w0 = firstTap(wStart, dw);
        const w1 = Math.min(wStart + (g.kernelW - 1) * dw + 1, W);
        let best = plane + h0 * W + w0;
        let max = Number.NEGATIVE_INFINITY;
        for (let ih = h0; ih < h1; ih += dh) {
          const row = plane + ih * W;
          for (let iw = w0; iw < w1; iw += dw) {
            const v = x[row + iw];
            if (v > max || Number.isNaN(v)) {
              max = v;
              best = row + iw;
            }
          }
        }
        visit((p * Ho + oh) * Wo + ow, best);
      }
    }
  }
}

export function maxPool2dForward(x: FloatStorage, g: PoolGeometry, dtype: DType): FloatStorage {
  const y = allocFloat(dtype, g.planes * g.outHeight * g.outWidth);
  forEachArgmax(x, g, (o, i) => {
    y[o] = x[i];
  });
  return y;
}

/** dX: each window's upstream gradient added at the position of its maximum. */
export function maxPool2dBackward(
  x: FloatStorage,
  dy: FloatStorage,
  g: PoolGeometry,
  dtype: DType,
): FloatStorage {
  const dx = allocFloat(dtype, x.length);
  forEachArgmax(x, g, (o, i) => {
    dx[i] += dy[o];
  });
  return dx;
}

export interface AvgPoolOptions {
  countIncludePad: boolean;
  divisorOverride: number | null;
}

/** Each window's clipped bounds and divisor, as PyTorch's avg_pool2d computes them. */
function forEachAvgWindow(
  g: PoolGeometry,
  { countIncludePad, divisorOverride }: AvgPoolOptions,
  visit: (o: number, h0: number, h1: number, w0: number, w1: number, divisor: number) => void,
): void {
  const { height: H, width: W, outHeight: Ho, outWidth: Wo } = g;
  for (let oh = 0; oh < Ho; oh++) {
    let h0 = oh * g.strideH - g.padH;
    let h1 = Math.min(h0 + g.kernelH, H + g.padH);
    const padded = h1 - h0;
    h0 = Math.max(h0, 0);
    h1 = Math.min(h1, H);
    for (let ow = 0; ow < Wo; ow++) {
      let w0 = ow * g.strideW - g.padW;
      let w1 = Math.min(w0 + g.kernelW, W + g.padW);
      const poolSize = padded * (w1 - w0);
      w0 = Math.max(w0, 0);
      w1 = Math.min(w1, W);
      const divisor = divisorOverride ?? (countIncludePad ? poolSize : (h1 - h0) * (w1 - w0));
      visit(oh * Wo + ow, h0, h1, w0, w1, divisor);
    }
  }
}

export function avgPool2dForward(
  x: FloatStorage,
  g: PoolGeometry,
  options: AvgPoolOptions,
  dtype: DType,
): FloatStorage {
  const { height: H, width: W } = g;
  const outPlane = g.outHeight * g.outWidth;
  const y = allocFloat(dtype, g.planes * outPlane);
  for (let p = 0; p < g.planes; p++) {
    const plane = p * H * W;
    forEachAvgWindow(g, options, (o, h0, h1, w0, w1, divisor) => {
      let sum = 0;
      for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += x[plane + ih * W + iw];
      y[p * outPlane + o] = sum / divisor;
    });
  }
  return y;
}

/** dX[i] = Σ over windows containing i of dY / divisor. */
export function avgPool2dBackward(
  dy: FloatStorage,
  g: PoolGeometry,
  options: AvgPoolOptions,
  dtype: DType,
): FloatStorage {
  const { height: H, width: W } = g;
  const outPlane = g.outHeight * g.outWidth;
  const dx = allocFloat(dtype, g.planes * H * W);
  for (let p = 0; p < g.planes; p++) {
    const plane = p * H * W;
    forEachAvgWindow(g, options, (o, h0, h1, w0, w1, divisor) => {
      const share = dy[p * outPlane + o] / divisor;
      for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[plane + ih * W + iw] += share;
    });
  }
  return dx;
}

/** Adaptive bins: bin i of n over a size-`size` axis spans [⌊i·size/n⌋, ⌈(i+1)·size/n⌉). */
export const binStart = (i: number, n: number, size: number): number => Math.floor((i * size) / n);
export const binEnd = (i: number, n: number, size: number): number => Math.ceil(((i + 1) * size) / n);

export interface AdaptiveGeometry {
  planes: number;
  height: number;
  width: number;
  outHeight: number;
  outWidth: number;
}

function forEachBin(
  g: AdaptiveGeometry,
  visit: (o: number, h0: number, h1: number, w0: number, w1: number) => void,
) {
  for (let oh = 0; oh < g.outHeight; oh++) {
    const h0 = binStart(oh, g.outHeight, g.height);
    const h1 = binEnd(oh, g.outHeight, g.height);
    for (let ow = 0; ow < g.outWidth; ow++) {
      const w0 = binStart(ow, g.outWidth, g.width);
      visit(oh * g.outWidth + ow, h0, h1, w0, binEnd(ow, g.outWidth, g.width));
    }
  }
}

export function adaptiveAvgPool2dForward(x: FloatStorage, g: AdaptiveGeometry, dtype: DType): FloatStorage {
  const { height: H, width: W } = g;
  const outPlane = g.outHeight * g.outWidth;
  const y = allocFloat(dtype, g.planes * outPlane);
  for (let p = 0; p < g.planes; p++) {
    const plane = p * H * W;
    forEachBin(g, (o, h0, h1, w0, w1) => {
      let sum = 0;
      for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += x[plane + ih * W + iw];
      y[p * outPlane + o] = sum / ((h1 - h0) * (w1 - w0));
    });
  }
  return y;
}

export function adaptiveAvgPool2dBackward(dy: FloatStorage, g: AdaptiveGeometry, dtype: DType): FloatStorage {
  const { height: H, width: W } = g;
  const outPlane = g.outHeight * g.outWidth;
  const dx = allocFloat(dtype, g.planes * H * W);
  for (let p = 0; p < g.planes; p++) {
    const plane = p * H * W;
    forEachBin(g, (o, h0, h1, w0, w1) => {
      const share = dy[p * outPlane + o] / ((h1 - h0) * (w1 - w0));
      for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[plane + ih * W + iw] += share;
    });
  }
  return dx;
}
