import { moments } from '../backends/cpu/norm.ts';
import { scalar } from '../create.ts';
import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { add, mul, sub } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';

export interface NormMomentsAttrs {
  eps: number;
}

/**
 * Helper of the norm ops: per-q statistics of a [P, Q, R] view, taken over p and r (see
 * backends/cpu/norm.ts for how each norm maps onto that view). Outputs `mean` and
 * `invstd` = 1/√(biased var + eps), both [1, Q, 1] so they broadcast against the view.
 */
export const norm_moments: OpDef<NormMomentsAttrs> = defineOp<NormMomentsAttrs>({
  name: 'norm_moments',
  kind: 'norm',
  inputs: [{ name: 'x' }],
  outputs: ['mean', 'invstd'],
  defaults: { eps: 1e-5 },
  shape([x], { eps }) {
    if (x!.dtype !== 'float32')
      return new DTypeError('norm_moments', `expected float32 input, got ${x!.dtype}`, 0);
    if (x!.shape.length !== 3) {
      return new ShapeError('norm_moments', `norm_moments: expected a [P, Q, R] view, got [${x!.shape}]`);
    }
    if (!(eps >= 0)) return new AttrError('norm_moments', 'eps', `must be a number >= 0, got ${eps}`);
    const stat = { shape: [1, x!.shape[1], 1], dtype: 'float32' as const };
    return [stat, { ...stat }];
  },
  forward: {
    cpu([x], { eps }) {
      const [P, Q, R] = x!.shape;
      const m = moments(x!.data, { P, Q, R }, eps);
      return [Float32Array.from(m.mean), Float32Array.from(m.invstd)];
    },
  },
  vjp({ inputs: [x], outputs: [mean, invstd] }, [dMean, dInvstd]) {
    // ∂mean/∂x = 1/n; ∂invstd/∂x = −invstd³·(x − mean)/n
    const [P, , R] = x!.shape;
    const invstdCubed = mul(mul(invstd, invstd), invstd);
    const fromInvstd = mul(mul(dInvstd, invstdCubed), sub(mean, x!));
    return [mul(add(fromInvstd, dMean), scalar(1 / (P * R), x!.backend))];
  },
  formula: 'dX = (dμ − dr·r³·(X − μ)) / n, with μ, r = 1/σ per q',
});
