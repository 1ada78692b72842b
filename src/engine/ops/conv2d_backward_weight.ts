import { conv2dWeightGrad } from '../backends/cpu/conv.ts';
import { run } from '../dispatch.ts';
import { DTypeError, type OpError, ShapeError } from '../errors.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { type FloatStorage, floatTypeOf, isFloat, type Tensor, type TensorMeta } from '../tensor.ts';
import {
  type ConvAttrs,
  type ConvParams,
  convDefaults,
  convParams,
  expandParam,
  geometry2d,
} from './_conv.ts';

export interface ConvWeightGradAttrs extends ConvAttrs {
  kernel_size: number[];
}

interface WeightGradShape {
  params: ConvParams;
  kernel: number[];
  weight: number[];
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

function weightGradShape(
  [x, dy]: (TensorMeta | null)[],
  attrs: ConvWeightGradAttrs,
): WeightGradShape | OpError {
  const op = 'conv2d_backward_weight';
  if (!isFloat(x!.dtype) || !isFloat(dy!.dtype)) {
    return new DTypeError(op, `expected float32 or float64 input and grad, got ${x!.dtype} and ${dy!.dtype}`);
  }
  const params = convParams(op, attrs, 2);
  if (params instanceof Error) return params;
  const kernel = expandParam(op, 'kernel_size', attrs.kernel_size, 2);
  if (kernel instanceof Error) return kernel;
  const [xs, gs] = [x!.shape, dy!.shape];
  const { groups, padding, dilation, stride } = params;
  if (xs.length !== 4 || gs.length !== 4 || xs[0] !== gs[0] || xs[1] % groups || gs[1] % groups) {
    return new ShapeError(
      op,
      `${op}: input ${fmt(xs)} and grad ${fmt(gs)} are not a [N, C, H, W] / [N, O, Ho, Wo] pair for groups=${groups}`,
    );
  }
  const windows = [0, 1].map(
    (i) => Math.floor((xs[i + 2] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i]) + 1,
  );
  if (gs[2] > windows[0] || gs[3] > windows[1]) {
    return new ShapeError(
      op,
      `${op}: grad ${fmt(gs)} has more windows than input ${fmt(xs)} allows (${windows.join(' x ')})`,
    );
  }
  return { params, kernel, weight: [gs[1], xs[1] / groups, ...kernel] };
}

/**
 * conv2d's weight gradient, dW[o, c, ki, kj] = Σ_{n, oh, ow} dY[n, o, oh, ow]·X[n, g·C/G + c, oh·sh − ph + ki·dh, …]:
 * a backward helper (also used by conv_transpose2d, with the roles of x and dY swapped).
 */
export const conv2d_backward_weight: OpDef<ConvWeightGradAttrs> = defineOp<ConvWeightGradAttrs>({
  name: 'conv2d_backward_weight',
  kind: 'backward',
  inputs: [{ name: 'x' }, { name: 'grad' }],
  defaults: { ...convDefaults },
  shape(metas, attrs) {
    const s = weightGradShape(metas, attrs);
    return s instanceof Error ? s : out(s.weight, floatTypeOf(...metas));
  },
  forward: {
    cpu([x, dy], attrs, [o]) {
      const s = weightGradShape([x, dy], attrs);
      if (s instanceof Error) throw s;
      const g = geometry2d(x!.shape, dy!.shape, s.weight, s.params);
      return [conv2dWeightGrad(x!.data as FloatStorage, dy!.data as FloatStorage, g, o.dtype)];
    },
  },
  // bilinear in (x, dY): each gradient is the other conv direction with the upstream as weight
  vjp({ inputs: [x, dy], needsGrad }, [gw], attrs) {
    const s = weightGradShape([x, dy], attrs);
    if (s instanceof Error) throw s;
    const { stride, padding, dilation, groups } = s.params;
    const [xs, gs] = [x!.shape, dy!.shape];
    const outputPadding = [0, 1].map(
      (i) => xs[i + 2] - ((gs[i + 2] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (s.kernel[i] - 1) + 1),
    );
    const dX = needsGrad[0]
      ? run('conv_transpose2d', [dy!, gw], {
          stride,
          padding,
          dilation,
          groups,
          output_padding: outputPadding,
        })
      : null;
    let dG: Tensor | null = null;
    if (needsGrad[1]) {
      dG = run('conv2d', [x!, gw], { stride, padding, dilation, groups });
      for (const d of [2, 3]) {
        if (dG.shape[d] !== gs[d]) dG = run('narrow', [dG], { dim: d, start: 0, length: gs[d] });
      }
    }
    return [dX, dG];
  },
  formula: 'dX = conv_transpose2d(dY, G), d(dY) = conv2d(X, G)',
});
