import { run } from '../dispatch.ts';
import { reshape } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { type ConvAttrs, convDefaults, convShape, visibleShape } from './_conv.ts';
import { floatTypeOf } from '../tensor.ts';

/**
 * F.conv1d: x [N, C, L] (or [C, L]), weight [O, C/groups, K], bias [O]. Written as a conv2d
 * over a height-1 image, so it runs on every backend and its gradient comes with conv2d's.
 */
export const conv1d: OpDef<ConvAttrs> = defineOp<ConvAttrs>({
  name: 'conv1d',
  kind: 'conv',
  inputs: [{ name: 'x' }, { name: 'weight' }, { name: 'bias', optional: true }],
  defaults: convDefaults,
  shape(metas, attrs) {
    const s = convShape('conv1d', metas, attrs, 1);
    return s instanceof Error ? s : out(visibleShape(s), floatTypeOf(...metas));
  },
  composite([x, w, b], attrs) {
    const s = convShape('conv1d', [x, w, b], attrs, 1);
    if (s instanceof Error) throw s;
    const [n, c, length] = s.input;
    const [o, cg, k] = w!.shape;
    const y = run('conv2d', [reshape(x!, [n, c, 1, length]), reshape(w!, [o, cg, 1, k]), b], {
      stride: [1, s.params.stride[0]],
      padding: [0, s.params.padding[0]],
      dilation: [1, s.params.dilation[0]],
      groups: s.params.groups,
    });
    return [reshape(y, visibleShape(s))];
  },
  formula: 'as conv2d on [N, C, 1, L]: dX = conv_transpose1d(dY, W), dW = Σ_n dY ⋆ X, db = Σ_{N,L} dY',
});
