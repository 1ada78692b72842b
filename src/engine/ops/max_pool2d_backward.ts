import { maxPool2dBackward } from '../backends/cpu/pool.ts';
import { ShapeError } from '../errors.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { sameShape } from '../shape.ts';
import { type MaxPoolAttrs, maxPoolDefaults, poolShape } from './_pool.ts';
import { type FloatStorage, floatTypeOf } from '../tensor.ts';

/** max_pool2d's input gradient: finds each window's first maximum in x again and adds dY there. */
export const max_pool2d_backward: OpDef<MaxPoolAttrs> = defineOp<MaxPoolAttrs>({
  name: 'max_pool2d_backward',
  kind: 'backward',
  inputs: [{ name: 'x' }, { name: 'grad' }],
  defaults: maxPoolDefaults,
  shape([x, dy], attrs) {
    const s = poolShape('max_pool2d', x!, attrs, attrs.dilation);
    if (s instanceof Error) return s;
    if (!sameShape(s.output, dy!.shape)) {
      return new ShapeError(
        'max_pool2d_backward',
        `max_pool2d_backward: grad has shape [${dy!.shape}], expected [${s.output}]`,
      );
    }
    return out(x!.shape, floatTypeOf(x, dy));
  },
  forward: {
    cpu([x, dy], attrs, [o]) {
      const s = poolShape('max_pool2d', x!, attrs, attrs.dilation);
      if (s instanceof Error) throw s;
      return [maxPool2dBackward(x!.data as FloatStorage, dy!.data as FloatStorage, s.geometry, o.dtype)];
    },
  },
  formula: 'dX[argmax of each window] += dY',
});
