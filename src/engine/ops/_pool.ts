/**
 * Shape rules shared by the 2-D pooling ops: attr normalisation and PyTorch 1.13's checks
 * (`pooling_output_shape`, `pool2d_shape_check`) with their messages.
 */
import type { AvgPoolOptions, PoolGeometry } from '../backends/cpu/pool.ts';
import { DTypeError, type OpError, ShapeError } from '../errors.ts';
import { isFloat, type Shape, type TensorMeta } from '../tensor.ts';
import { type IntOrList, torchAttrError } from './_conv.ts';

export interface MaxPoolAttrs {
  kernel_size: IntOrList;
  /** null (or []) means the kernel size, as in PyTorch */
  stride: IntOrList | null;
  padding: IntOrList;
  dilation: IntOrList;
  ceil_mode: boolean;
}

export interface AvgPoolAttrs {
  kernel_size: IntOrList;
  stride: IntOrList | null;
  padding: IntOrList;
  ceil_mode: boolean;
  count_include_pad: boolean;
  divisor_override: number | null;
}

export const maxPoolDefaults = { stride: null, padding: 0, dilation: 1, ceil_mode: false } as const;
export const avgPoolDefaults = {
  stride: null,
  padding: 0,
  ceil_mode: false,
  count_include_pad: true,
  divisor_override: null,
} as const;

export function avgPoolOptions(attrs: AvgPoolAttrs): AvgPoolOptions {
  return { countIncludePad: attrs.count_include_pad, divisorOverride: attrs.divisor_override ?? null };
}

const fmt = (s: Shape) => `[${s.join(', ')}]`;

/** PyTorch's pooling_output_shape: in ceil mode the last window must start inside the input or left padding. */
export function poolOutputSize(
  size: number,
  kernel: number,
  pad: number,
  stride: number,
  dilation: number,
  ceil: boolean,
) {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1 + (ceil ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** An int or a pair, as the `_pair` of F.max_pool2d accepts; null where the value is malformed. */
function pair(value: unknown): number[] | null {
  if (typeof value === 'number') return Number.isInteger(value) ? [value, value] : null;
  if (!Array.isArray(value) || value.some((v) => !Number.isInteger(v))) return null;
  if (value.length === 1) return [value[0], value[0]];
  return value.length === 2 ? [...value] : null;
}

export interface PoolShape {
  geometry: PoolGeometry;
  output: number[];
}

/** max_pool2d / avg_pool2d shape rule (avg pooling has no dilation: pass 1). */
export function poolShape(
  op: 'max_pool2d' | 'avg_pool2d',
  x: TensorMeta,
  attrs: { kernel_size: IntOrList; stride: IntOrList | null; padding: IntOrList; ceil_mode: boolean },
  dilationAttr: IntOrList,
): PoolShape | OpError {
  if (!isFloat(x.dtype)) return new DTypeError(op, `expected a float32 or float64 input, got ${x.dtype}`, 0);
  const kernel = pair(attrs.kernel_size);
  if (!kernel) {
    return torchAttrError(
      op,
      'kernel_size',
      `${op}: kernel_size must either be a single int, or a tuple of two ints`,
    );
  }
  const omitted = attrs.stride == null || (Array.isArray(attrs.stride) && attrs.stride.length === 0);
  const stride = omitted ? kernel : pair(attrs.stride);
  if (!stride) {
    return torchAttrError(
      op,
      'stride',
      `${op}: stride must either be omitted, a single int, or a tuple of two ints`,
    );
  }
  const padding = pair(attrs.padding);
  if (!padding)
    return torchAttrError(
      op,
      'padding',
      `${op}: padding must either be a single int, or a tuple of two ints`,
    );
  const dilation = pair(dilationAttr);
  if (!dilation)
    return torchAttrError(
      op,
      'dilation',
      `${op}: dilation must be either a single int, or a tuple of two ints`,
    );
  const [kh, kw] = kernel;
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  const [dh, dw] = dilation;
  if (kh <= 0 || kw <= 0) {
    return torchAttrError(
      op,
      'kernel_size',
      `kernel size should be greater than zero, but got kH: ${kh} kW: ${kw}`,
    );
  }
  if (sh === 0 || sw === 0) return torchAttrError(op, 'stride', 'stride should not be zero');
  if (sh < 0 || sw < 0) {
    return torchAttrError(op, 'stride', `stride should be greater than zero, but got dH: ${sh} dW: ${sw}`);
  }
  if (dh <= 0 || dw <= 0) {
    return torchAttrError(
      op,
      'dilation',
      `dilation should be greater than zero, but got dilationH: ${dh} dilationW: ${dw}`,
    );
  }
  if (ph < 0 || pw < 0)
    return torchAttrError(op, 'padding', `pad must be non-negative, but got pad: ${ph < 0 ? ph : pw}`);
  const s = x.shape;
  if ((s.length !== 3 && s.length !== 4) || s.slice(-3).some((d) => d === 0)) {
    return new ShapeError(
      op,
      `Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:${fmt(s)}`,
      [{ input: 0, dim: -1 }],
    );
  }
  if (Math.floor(kw / 2) < pw || Math.floor(kh / 2) < ph) {
    return torchAttrError(
      op,
      'padding',
      `pad should be smaller than or equal to half of kernel size, but got padW = ${pw}, padH = ${ph}, kW = ${kw}, kH = ${kh}`,
    );
  }
  const [C, H, W] = s.slice(-3);
  const Ho = poolOutputSize(H, kh, ph, sh, dh, attrs.ceil_mode);
  const Wo = poolOutputSize(W, kw, pw, sw, dw, attrs.ceil_mode);
  if (Ho < 1 || Wo < 1) {
    return new ShapeError(
      op,
      `Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${Ho}x${Wo}). Output size is too small`,
      [{ input: 0, dim: -1 }],
    );
  }
  const planes = s.slice(0, -2).reduce((a, b) => a * b, 1);
  const geometry: PoolGeometry = {
    planes,
    height: H,
    width: W,
    outHeight: Ho,
    outWidth: Wo,
    kernelH: kh,
    kernelW: kw,
    strideH: sh,
    strideW: sw,
    padH: ph,
    padW: pw,
    dilationH: dh,
    dilationW: dw,
  };
  return { geometry, output: [...s.slice(0, -2), Ho, Wo] };
}

export interface AdaptivePoolAttrs {
  /** an int, or [oh, ow] where null keeps that input size */
  output_size: number | readonly (number | null)[];
}

export interface AdaptiveShape {
  planes: number;
  height: number;
  width: number;
  outHeight: number;
  outWidth: number;
  output: number[];
}

export function adaptiveShape(
  op: string,
  x: TensorMeta,
  { output_size }: AdaptivePoolAttrs,
): AdaptiveShape | OpError {
  if (!isFloat(x.dtype)) return new DTypeError(op, `expected a float32 or float64 input, got ${x.dtype}`, 0);
  const s = x.shape;
  if (s.length !== 3 && s.length !== 4) {
    return new ShapeError(op, `adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ${fmt(s)}`, [
      { input: 0, dim: -1 },
    ]);
  }
  for (let d = s.length - 3; d < s.length; d++) {
    if (s[d] === 0) {
      return new ShapeError(
        op,
        `adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmt(s)} with dimension ${d} being empty`,
        [{ input: 0, dim: d }],
      );
    }
  }
  const [H, W] = s.slice(-2);
  const given = typeof output_size === 'number' ? [output_size, output_size] : output_size;
  if (!Array.isArray(given) || given.length !== 2) {
    return torchAttrError(op, 'output_size', 'adaptive_avg_pool2d: output_size must be 2');
  }
  const [oh, ow] = [given[0] ?? H, given[1] ?? W];
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 0 || ow < 0) {
    return torchAttrError(
      op,
      'output_size',
      `adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {${oh}, ${ow}}`,
    );
  }
  const planes = s.slice(0, -2).reduce((a, b) => a * b, 1);
  return { planes, height: H, width: W, outHeight: oh, outWidth: ow, output: [...s.slice(0, -2), oh, ow] };
}
