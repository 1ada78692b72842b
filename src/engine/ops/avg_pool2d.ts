import { avgPool2dForward } from '../backends/cpu/pool.ts';
import { run } from '../dispatch.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { type AvgPoolAttrs, avgPoolDefaults, avgPoolOptions, poolShape } from './_pool.ts';
import type { FloatStorage } from '../tensor.ts';

/**
 * F.avg_pool2d on [N, C, H, W] or [C, H, W]: the mean of each window; count_include_pad counts
 * the zero padding in the divisor (never the part of a ceil_mode window past the padding).
 */
export const avg_pool2d: OpDef<AvgPoolAttrs> = defineOp<AvgPoolAttrs>({
  name: 'avg_pool2d',
  kind: 'pool',
  inputs: [{ name: 'x' }],
  defaults: avgPoolDefaults,
  shape([x], attrs) {
    const s = poolShape('avg_pool2d', x!, attrs, 1);
    return s instanceof Error ? s : out(s.output, x!.dtype);
  },
  forward: {
    cpu([x], attrs, [o]) {
      const s = poolShape('avg_pool2d', x!, attrs, 1);
      if (s instanceof Error) throw s;
      return [avgPool2dForward(x!.data as FloatStorage, s.geometry, avgPoolOptions(attrs), o.dtype)];
    },
  },
  vjp: ({ inputs: [x] }, [dy], attrs) => [
    run('avg_pool2d_backward', [dy], { ...attrs, input_size: [...x!.shape] }),
  ],
  formula: 'dX[i] = Σ_{windows ∋ i} dY / window size',
});
