import type { OpDef } from '../op.ts';
import { type ClassLossAttrs, classLoss } from './_class_loss.ts';

/** F.nll_loss on log-probabilities [N, C] or [N, C, d1, …]: −w[y]·x[n, y], the mean over Σ w[y]. */
const nll = classLoss({
  name: 'nll_loss',
  logits: false,
  probabilityTargets: false,
  defaults: { reduction: 'mean', ignore_index: -100 },
  formula: '∂L/∂x[n, c] = −w[y_n]·[c = y_n] / N; N = Σ w[y] for mean; 0 for ignored targets',
  backwardFormula: 'dx = −g·w[y]·onehot(y), g = dL / Σ w[y] for mean',
});

export const nll_loss: OpDef<ClassLossAttrs> = nll.forward;
export const nll_loss_backward: OpDef<ClassLossAttrs> = nll.backward;
