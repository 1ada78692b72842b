import { adaptiveAvgPool2dForward } from '../backends/cpu/pool.ts';
import { run } from '../dispatch.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { type AdaptivePoolAttrs, adaptiveShape } from './_pool.ts';
import type { FloatStorage } from '../tensor.ts';

/** F.adaptive_avg_pool2d: output bin i spans input rows [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉), the same for columns. */
export const adaptive_avg_pool2d: OpDef<AdaptivePoolAttrs> = defineOp<AdaptivePoolAttrs>({
  name: 'adaptive_avg_pool2d',
  kind: 'pool',
  inputs: [{ name: 'x' }],
  shape([x], attrs) {
    const s = adaptiveShape('adaptive_avg_pool2d', x!, attrs);
    return s instanceof Error ? s : out(s.output, x!.dtype);
  },
  forward: {
    cpu([x], attrs, [o]) {
      const s = adaptiveShape('adaptive_avg_pool2d', x!, attrs);
      if (s instanceof Error) throw s;
      return [adaptiveAvgPool2dForward(x!.data as FloatStorage, s, o.dtype)];
    },
  },
  vjp: ({ inputs: [x] }, [dy], attrs) => [
    run('adaptive_avg_pool2d_backward', [dy], { ...attrs, input_size: [...x!.shape] }),
  ],
  formula: 'dX[i] = Σ_{bins ∋ i} dY / bin size',
});
