import type { OpDef } from '../op.ts';
import { pointwiseLoss, type ReductionAttrs } from './_loss.ts';

/** F.mse_loss: (x − y)², input and target broadcast together (PyTorch warns, then broadcasts). */
const mse = pointwiseLoss<ReductionAttrs>({
  name: 'mse_loss',
  defaults: { reduction: 'mean' },
  loss: () => (x, y) => (x - y) * (x - y),
  grad: () => (x, y) => 2 * (x - y),
  formula: '∂L/∂x = 2(x − y)·g, g = dL/numel for mean, dL for sum, dL_i for none',
});

export const mse_loss: OpDef<ReductionAttrs> = mse.forward;
export const mse_loss_backward: OpDef<ReductionAttrs> = mse.backward;
