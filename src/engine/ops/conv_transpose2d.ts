import { convTranspose2dForward } from '../backends/cpu/conv.ts';
import { run } from '../dispatch.ts';
import { reshape, sumTo } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { type FloatStorage, floatTypeOf, type Tensor } from '../tensor.ts';
import {
  type ConvTransposeAttrs,
  convDefaults,
  convTransposeShape,
  geometry2d,
  visibleShape,
} from './_conv.ts';

/**
 * F.conv_transpose2d: x [N, C, H, W] (or [C, H, W]), weight [C, O/groups, kh, kw], bias [O].
 * H_out = (H − 1)·sh − 2·ph + dh·(kh − 1) + oph + 1. It is the adjoint of conv2d in its input,
 * so the CPU kernel is GEMM (Wᵀ·x) then col2im.
 */
export const conv_transpose2d: OpDef<ConvTransposeAttrs> = defineOp<ConvTransposeAttrs>({
  name: 'conv_transpose2d',
  kind: 'conv',
  inputs: [{ name: 'x' }, { name: 'weight' }, { name: 'bias', optional: true }],
  defaults: { ...convDefaults, output_padding: 0 },
  shape(metas, attrs) {
    const s = convTransposeShape('conv_transpose2d', metas, attrs, 2);
    return s instanceof Error ? s : out(visibleShape(s), floatTypeOf(...metas));
  },
  forward: {
    cpu([x, w, b], attrs, [o]) {
      const s = convTransposeShape('conv_transpose2d', [x, w, b], attrs, 2);
      if (s instanceof Error) throw s;
      // seen from the forward conv, the output is the side the kernel slides over
      const g = geometry2d(s.output, s.input, w!.shape, s.params);
      const [xd, wd] = [x!.data as FloatStorage, w!.data as FloatStorage];
      return [convTranspose2dForward(xd, wd, b?.data ?? null, g, o.dtype)];
    },
  },
  vjp({ inputs: [x, w, b], needsGrad }, [dy], attrs) {
    const s = convTransposeShape('conv_transpose2d', [x, w, b], attrs, 2);
    if (s instanceof Error) throw s;
    const { stride, padding, dilation, groups } = s.params;
    const X = s.unbatched ? reshape(x!, [...s.input]) : x!;
    const dY = s.unbatched ? reshape(dy, s.output) : dy;
    let dX: Tensor | null = null;
    if (needsGrad[0]) {
      dX = run('conv2d', [dY, w!], { stride, padding, dilation, groups });
      // output_padding ≥ stride (allowed when below dilation) leaves extra windows past H
      for (const d of [2, 3]) {
        if (dX.shape[d] !== s.input[d]) dX = run('narrow', [dX], { dim: d, start: 0, length: s.input[d] });
      }
      if (s.unbatched) dX = reshape(dX, [...x!.shape]);
    }
    const dW = needsGrad[1]
      ? run('conv2d_backward_weight', [dY, X], {
          kernel_size: w!.shape.slice(2),
          stride,
          padding,
          dilation,
          groups,
        })
      : null;
    const dB = needsGrad[2] && b ? reshape(sumTo(dY, [1, s.output[1], 1, 1]), [s.output[1]]) : null;
    return [dX, dW, dB];
  },
  formula: 'dX = conv2d(dY, W), dW = Σ_n X ⋆ dY (correlation), db = Σ_{N,H,W} dY',
});
