import { conv2dForward } from '../backends/cpu/conv.ts';
import { run } from '../dispatch.ts';
import { reshape, sumTo } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { type ConvAttrs, convDefaults, convShape, geometry2d, visibleShape } from './_conv.ts';
import { floatTypeOf, type FloatStorage } from '../tensor.ts';

/**
 * F.conv2d: x [N, C, H, W] (or unbatched [C, H, W]), weight [O, C/groups, kh, kw], bias [O].
 * H_out = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1. CPU: im2col + GEMM.
 */
export const conv2d: OpDef<ConvAttrs> = defineOp<ConvAttrs>({
  name: 'conv2d',
  kind: 'conv',
  inputs: [{ name: 'x' }, { name: 'weight' }, { name: 'bias', optional: true }],
  defaults: convDefaults,
  shape(metas, attrs) {
    const s = convShape('conv2d', metas, attrs, 2);
    return s instanceof Error ? s : out(visibleShape(s), floatTypeOf(...metas));
  },
  forward: {
    cpu([x, w, b], attrs, [o]) {
      const s = convShape('conv2d', [x, w, b], attrs, 2);
      if (s instanceof Error) throw s;
      const g = geometry2d(s.input, s.output, w!.shape, s.params);
      return [conv2dForward(x!.data as FloatStorage, w!.data as FloatStorage, b?.data ?? null, g, o.dtype)];
    },
  },
  vjp({ inputs: [x, w, b], needsGrad }, [dy], attrs) {
    const s = convShape('conv2d', [x, w, b], attrs, 2);
    if (s instanceof Error) throw s;
    const { stride, padding, dilation, groups } = s.params;
    const X = s.unbatched ? reshape(x!, [...s.input]) : x!;
    const dY = s.unbatched ? reshape(dy, s.output) : dy;
    // the transposed conv's output must land exactly on H: restore the rows the floor dropped
    const outputPadding = [0, 1].map(
      (i) => (s.input[i + 2] + 2 * padding[i] - dilation[i] * (w!.shape[i + 2] - 1) - 1) % stride[i],
    );
    const dX = needsGrad[0]
      ? run('conv_transpose2d', [dY, w!], {
          stride,
          padding,
          dilation,
          groups,
          output_padding: outputPadding,
        })
      : null;
    const dW = needsGrad[1]
      ? run('conv2d_backward_weight', [X, dY], {
          kernel_size: w!.shape.slice(2),
          stride,
          padding,
          dilation,
          groups,
        })
      : null;
    const dB = needsGrad[2] && b ? reshape(sumTo(dY, [1, s.output[1], 1, 1]), [s.output[1]]) : null;
    return [dX && s.unbatched ? reshape(dX, [...x!.shape]) : dX, dW, dB];
  },
  formula: 'dX = conv_transpose2d(dY, W), dW = Σ_n dY ⋆ X (correlation), db = Σ_{N,H,W} dY',
});
