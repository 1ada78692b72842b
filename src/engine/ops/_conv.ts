/**
 * Shape rules shared by conv1d, conv2d, conv_transpose2d and conv2d_backward_weight: attr
 * normalisation and PyTorch 1.13's checks (`_convolution` / `check_shape_forward`), with its
 * messages word for word.
 */
import type { ConvGeometry } from '../backends/cpu/conv.ts';
import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { isFloat, type Shape, type TensorMeta } from '../tensor.ts';

/** An int or one int per spatial dim, as PyTorch accepts. */
export type IntOrList = number | readonly number[];

export interface ConvAttrs {
  stride: IntOrList;
  padding: IntOrList;
  dilation: IntOrList;
  groups: number;
}

export interface ConvTransposeAttrs extends ConvAttrs {
  output_padding: IntOrList;
}

export const convDefaults = { stride: 1, padding: 0, dilation: 1, groups: 1 } as const;

/** Normalised attrs: one entry per spatial dim. */
export interface ConvParams {
  stride: number[];
  padding: number[];
  dilation: number[];
  outputPadding: number[];
  groups: number;
}

const fmt = (s: Shape) => `[${s.join(', ')}]`;

/** An AttrError carrying PyTorch's text verbatim (AttrError itself prefixes "op: attr"). */
export function torchAttrError(op: string, attr: string, text: string): AttrError {
  const e = new AttrError(op, attr, text);
  e.message = text;
  return e;
}

/** PyTorch's expand_param_if_needed: an int, or a list with one value per spatial dim. */
export function expandParam(op: string, name: string, value: unknown, dims: number): number[] | AttrError {
  const list = typeof value === 'number' ? new Array<number>(dims).fill(value) : value;
  if (!Array.isArray(list) || list.some((v) => !Number.isInteger(v))) {
    return new AttrError(op, name, `must be an int or a list of ${dims} ints, got ${JSON.stringify(value)}`);
  }
  if (list.length === 1) return new Array<number>(dims).fill(list[0]);
  if (list.length !== dims) {
    return torchAttrError(
      op,
      name,
      `expected ${name} to be a single integer value or a list of ${dims} values to match the convolution dimensions, but got ${name}=${fmt(list)}`,
    );
  }
  return [...list];
}

/** Attr checks in the order `_convolution` makes them. */
export function convParams(
  op: string,
  attrs: ConvAttrs & { output_padding?: IntOrList },
  dims: number,
): ConvParams | AttrError {
  const { groups } = attrs;
  if (!Number.isInteger(groups))
    return new AttrError(op, 'groups', `must be an int, got ${JSON.stringify(groups)}`);
  if (groups <= 0) return torchAttrError(op, 'groups', 'non-positive groups is not supported');
  const stride = expandParam(op, 'stride', attrs.stride, dims);
  if (stride instanceof AttrError) return stride;
  const padding = expandParam(op, 'padding', attrs.padding, dims);
  if (padding instanceof AttrError) return padding;
  const dilation = expandParam(op, 'dilation', attrs.dilation, dims);
  if (dilation instanceof AttrError) return dilation;
  const outputPadding = expandParam(op, 'output_padding', attrs.output_padding ?? 0, dims);
  if (outputPadding instanceof AttrError) return outputPadding;
  if (padding.some((p) => p < 0)) return torchAttrError(op, 'padding', 'negative padding is not supported');
  if (outputPadding.some((p) => p < 0)) {
    return torchAttrError(op, 'output_padding', 'negative output_padding is not supported');
  }
  if (stride.some((s) => s <= 0)) return torchAttrError(op, 'stride', 'non-positive stride is not supported');
  if (dilation.some((d) => d <= 0))
    return torchAttrError(op, 'dilation', 'non-positive dilation is not supported');
  return { stride, padding, dilation, outputPadding, groups };
}

/** conv2d accepts [C,H,W] (unbatched) or [N,C,H,W]; PyTorch's messages show the batched view. */
function batchedInput(op: string, x: TensorMeta, dims: number): Shape | ShapeError {
  if (x.shape.length !== dims + 1 && x.shape.length !== dims + 2) {
    return new ShapeError(
      op,
      `Expected ${dims + 1}D (unbatched) or ${dims + 2}D (batched) input to ${op}, but got input of size: ${fmt(x.shape)}`,
      [{ input: 0, dim: -1 }],
    );
  }
  return x.shape.length === dims + 1 ? [1, ...x.shape] : x.shape;
}

function checkFloat(op: string, metas: (TensorMeta | null)[], names: string[]): DTypeError | null {
  for (let i = 0; i < metas.length; i++) {
    const m = metas[i];
    if (m && !isFloat(m.dtype))
      return new DTypeError(op, `expected ${names[i]} to be a float32 or float64 tensor, got ${m.dtype}`, i);
  }
  return null;
}

export interface ConvShape {
  params: ConvParams;
  /** the batched input shape [N, C, ...spatial] */
  input: Shape;
  output: number[];
  unbatched: boolean;
}

/** Forward convolution (conv1d, conv2d): `check_shape_forward` with transposed = false. */
export function convShape(
  op: string,
  [x, w, b]: (TensorMeta | null)[],
  attrs: ConvAttrs,
  dims: number,
): ConvShape | ShapeError | AttrError | DTypeError {
  const dtype = checkFloat(op, [x, w, b], ['input', 'weight', 'bias']);
  if (dtype) return dtype;
  const input = batchedInput(op, x!, dims);
  if (input instanceof ShapeError) return input;
  const ws = w!.shape;
  if (ws.length < 3)
    return new ShapeError(op, 'weight should have at least three dimensions', [{ input: 1, dim: -1 }]);
  const params = convParams(op, attrs, ws.length - 2);
  if (params instanceof AttrError) return params;
  const common = checkWeight(op, input, ws, params.groups);
  if (common) return common;
  const { groups, padding, dilation, stride } = params;
  if (input[1] !== ws[1] * groups) {
    return new ShapeError(
      op,
      `Given groups=${groups}, weight of size ${fmt(ws)}, expected input${fmt(input)} to have ${ws[1] * groups} channels, but got ${input[1]} channels instead`,
      [
        { input: 0, dim: x!.shape.length - dims - 1 },
        { input: 1, dim: 1 },
      ],
    );
  }
  if (b && (b.shape.length !== 1 || b.shape[0] !== ws[0])) {
    return new ShapeError(
      op,
      `Given weight of size ${fmt(ws)}, expected bias to be 1-dimensional with ${ws[0]} elements, but got bias of size ${fmt(b.shape)} instead`,
      [{ input: 2, dim: 0 }],
    );
  }
  const padded = input.slice(2).map((n, i) => n + 2 * padding[i]);
  const kernel = ws.slice(2).map((k, i) => dilation[i] * (k - 1) + 1);
  if (padded.some((n, i) => n < kernel[i])) {
    return new ShapeError(
      op,
      `Calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${kernel.join(' x ')}). Kernel size can't be greater than actual input size`,
      [{ input: 0, dim: -1 }],
    );
  }
  const spatial = padded.map((n, i) => Math.floor((n - kernel[i]) / stride[i]) + 1);
  const unbatched = x!.shape.length === dims + 1;
  const output = [input[0], ws[0], ...spatial];
  return { params, input, output, unbatched };
}

/** Rank and group checks common to forward and transposed convolution. */
function checkWeight(op: string, input: Shape, ws: Shape, groups: number): ShapeError | null {
  if (ws.length !== input.length) {
    return new ShapeError(
      op,
      `Expected ${ws.length}-dimensional input for ${ws.length}-dimensional weight ${fmt(ws)}, but got ${input.length}-dimensional input of size ${fmt(input)} instead`,
      [{ input: 1, dim: -1 }],
    );
  }
  if (ws[0] < groups) {
    return new ShapeError(
      op,
      `Given groups=${groups}, expected weight to be at least ${groups} at dimension 0, but got weight of size ${fmt(ws)} instead`,
      [{ input: 1, dim: 0 }],
    );
  }
  if (ws[0] % groups !== 0) {
    // PyTorch prints the sizes inside an extra pair of brackets here
    return new ShapeError(
      op,
      `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${fmt(ws)}] instead`,
      [{ input: 1, dim: 0 }],
    );
  }
  return null;
}

/** conv_transpose2d: `check_shape_forward` with transposed = true, then slow_conv_transpose2d's checks. */
export function convTransposeShape(
  op: string,
  [x, w, b]: (TensorMeta | null)[],
  attrs: ConvTransposeAttrs,
  dims: number,
): ConvShape | ShapeError | AttrError | DTypeError {
  const dtype = checkFloat(op, [x, w, b], ['input', 'weight', 'bias']);
  if (dtype) return dtype;
  const input = batchedInput(op, x!, dims);
  if (input instanceof ShapeError) return input;
  const ws = w!.shape;
  if (ws.length < 3)
    return new ShapeError(op, 'weight should have at least three dimensions', [{ input: 1, dim: -1 }]);
  const params = convParams(op, attrs, ws.length - 2);
  if (params instanceof AttrError) return params;
  const common = checkWeight(op, input, ws, params.groups);
  if (common) return common;
  const { groups, padding, dilation, stride, outputPadding } = params;
  if (input[1] !== ws[0]) {
    return new ShapeError(
      op,
      `Given transposed=1, weight of size ${fmt(ws)}, expected input${fmt(input)} to have ${ws[0]} channels, but got ${input[1]} channels instead`,
      [
        { input: 0, dim: x!.shape.length - dims - 1 },
        { input: 1, dim: 0 },
      ],
    );
  }
  const outChannels = ws[1] * groups;
  if (b && (b.shape.length !== 1 || b.shape[0] !== outChannels)) {
    return new ShapeError(
      op,
      `Given transposed=1, weight of size ${fmt(ws)}, expected bias to be 1-dimensional with ${outChannels} elements, but got bias of size ${fmt(b.shape)} instead`,
      [{ input: 2, dim: 0 }],
    );
  }
  if (outputPadding.some((p, i) => p >= stride[i] && p >= dilation[i])) {
    const [oph, opw] = outputPadding.length === 2 ? outputPadding : [1, ...outputPadding];
    const [sh, sw] = stride.length === 2 ? stride : [1, ...stride];
    const [dh, dw] = dilation.length === 2 ? dilation : [1, ...dilation];
    return torchAttrError(
      op,
      'output_padding',
      `output padding must be smaller than either stride or dilation, but got output_padding_height: ${oph} output_padding_width: ${opw} stride_height: ${sh} stride_width: ${sw} dilation_height: ${dh} dilation_width: ${dw}`,
    );
  }
  const spatialIn = input.slice(2);
  const spatial = spatialIn.map(
    (n, i) => (n - 1) * stride[i] - 2 * padding[i] + dilation[i] * (ws[i + 2] - 1) + outputPadding[i] + 1,
  );
  if (spatial.some((n) => n < 1)) {
    return new ShapeError(
      op,
      `Given input size per channel: (${spatialIn.join(' x ')}). Calculated output size per channel: (${spatial.join(' x ')}). Output size is too small`,
      [{ input: 0, dim: -1 }],
    );
  }
  const unbatched = x!.shape.length === dims + 1;
  return { params, input, output: [input[0], outChannels, ...spatial], unbatched };
}

/** The output shape as the caller sees it: the batch dim dropped again for unbatched input. */
export function visibleShape(s: ConvShape): number[] {
  return s.unbatched ? s.output.slice(1) : s.output;
}

/**
 * The 2-D geometry the CPU kernels take, from a forward conv's point of view: `input` is the
 * side the kernel slides over, `output` the side with one value per window.
 */
export function geometry2d(input: Shape, output: Shape, weight: Shape, p: ConvParams): ConvGeometry {
  return {
    batch: input[0],
    inChannels: input[1],
    height: input[2],
    width: input[3],
    outChannels: output[1],
    outHeight: output[2],
    outWidth: output[3],
    kernelH: weight[2],
    kernelW: weight[3],
    strideH: p.stride[0],
    strideW: p.stride[1],
    padH: p.padding[0],
    padW: p.padding[1],
    dilationH: p.dilation[0],
    dilationW: p.dilation[1],
    groups: p.groups,
  };
}
