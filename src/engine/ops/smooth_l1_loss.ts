import { AttrError } from '../errors.ts';
import type { OpDef } from '../op.ts';
import { checkFinite, pointwiseLoss, type ReductionAttrs } from './_loss.ts';

export interface SmoothL1Attrs extends ReductionAttrs {
  beta: number;
}

/** F.smooth_l1_loss: 0.5d²/β where |d| < β, else |d| − 0.5β (d = x − y); β = 0 is the L1 loss. */
const smoothL1 = pointwiseLoss<SmoothL1Attrs>({
  name: 'smooth_l1_loss',
  defaults: { reduction: 'mean', beta: 1.0 },
  check: (_, { beta }) =>
    checkFinite('smooth_l1_loss', 'beta', beta) ??
    (beta < 0 ? new AttrError('smooth_l1_loss', 'beta', `must not be negative, got ${beta}`) : null),
  loss:
    ({ beta }) =>
    (x, y) => {
      const d = Math.abs(x - y);
      return d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta;
    },
  grad:
    ({ beta }) =>
    (x, y) => {
      const d = x - y;
      return Math.abs(d) < beta ? d / beta : Math.sign(d);
    },
  formula: '∂L/∂x = (x − y)/β where |x − y| < β, else sign(x − y); times g (dL/numel for mean)',
});

export const smooth_l1_loss: OpDef<SmoothL1Attrs> = smoothL1.forward;
export const smooth_l1_loss_backward: OpDef<SmoothL1Attrs> = smoothL1.backward;
