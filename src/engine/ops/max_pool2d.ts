import { maxPool2dForward } from '../backends/cpu/pool.ts';
import { run } from '../dispatch.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { type MaxPoolAttrs, maxPoolDefaults, poolShape } from './_pool.ts';
import type { FloatStorage } from '../tensor.ts';

/**
 * F.max_pool2d on [N, C, H, W] or [C, H, W]: the max of each (dilated) window, padding is −∞.
 * stride defaults to kernel_size. The gradient goes to the first maximum of each window.
 */
export const max_pool2d: OpDef<MaxPoolAttrs> = defineOp<MaxPoolAttrs>({
  name: 'max_pool2d',
  kind: 'pool',
  inputs: [{ name: 'x' }],
  defaults: maxPoolDefaults,
  shape([x], attrs) {
    const s = poolShape('max_pool2d', x!, attrs, attrs.dilation);
    return s instanceof Error ? s : out(s.output, x!.dtype);
  },
  forward: {
    cpu([x], attrs, [o]) {
      const s = poolShape('max_pool2d', x!, attrs, attrs.dilation);
      if (s instanceof Error) throw s;
      return [maxPool2dForward(x!.data as FloatStorage, s.geometry, o.dtype)];
    },
  },
  vjp: ({ inputs: [x] }, [dy], attrs) => [run('max_pool2d_backward', [x!, dy], attrs)],
  formula: 'dX[argmax of each window] += dY',
});
