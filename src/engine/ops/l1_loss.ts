import type { OpDef } from '../op.ts';
import { pointwiseLoss, type ReductionAttrs } from './_loss.ts';

/** F.l1_loss: |x − y|; the gradient at x = y is 0 (sign(0), as PyTorch). */
const l1 = pointwiseLoss<ReductionAttrs>({
  name: 'l1_loss',
  defaults: { reduction: 'mean' },
  loss: () => (x, y) => Math.abs(x - y),
  grad: () => (x, y) => Math.sign(x - y),
  formula: '∂L/∂x = sign(x − y)·g, g = dL/numel for mean, dL for sum, dL_i for none',
});

export const l1_loss: OpDef<ReductionAttrs> = l1.forward;
export const l1_loss_backward: OpDef<ReductionAttrs> = l1.backward;
