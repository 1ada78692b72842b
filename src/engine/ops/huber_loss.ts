import { AttrError } from '../errors.ts';
import type { OpDef } from '../op.ts';
import { checkFinite, pointwiseLoss, type ReductionAttrs } from './_loss.ts';

export interface HuberAttrs extends ReductionAttrs {
  delta: number;
}

/** F.huber_loss: 0.5d² where |d| < δ, else δ(|d| − 0.5δ) (d = x − y). */
const huber = pointwiseLoss<HuberAttrs>({
  name: 'huber_loss',
  defaults: { reduction: 'mean', delta: 1.0 },
  check: (_, { delta }) =>
    checkFinite('huber_loss', 'delta', delta) ??
    (delta <= 0 ? new AttrError('huber_loss', 'delta', `must be positive, got ${delta}`) : null),
  loss:
    ({ delta }) =>
    (x, y) => {
      const d = Math.abs(x - y);
      return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
    },
  grad:
    ({ delta }) =>
    (x, y) => {
      const d = x - y;
      return Math.abs(d) < delta ? d : delta * Math.sign(d);
    },
  formula: '∂L/∂x = (x − y) where |x − y| < δ, else δ·sign(x − y); times g (dL/numel for mean)',
});

export const huber_loss: OpDef<HuberAttrs> = huber.forward;
export const huber_loss_backward: OpDef<HuberAttrs> = huber.backward;
