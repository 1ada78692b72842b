import { AttrError } from '../errors.ts';
import type { OpDef } from '../op.ts';
import { pointwiseLoss, type Reduction } from './_loss.ts';

export interface KlDivAttrs {
  /** batchmean = sum / N (the true KL divergence per sample), mean = sum / numel */
  reduction: Reduction | 'batchmean';
  /** the target holds log-probabilities too */
  log_target: boolean;
}

/** y·log y with 0·log 0 = 0 (torch.xlogy). */
function xlogx(y: number): number {
  return y === 0 ? 0 : y * Math.log(y);
}

/**
 * F.kl_div on log-probabilities x: y·(log y − x), or with log_target e^y·(y − x).
 * PyTorch's default reduction is 'mean' (it warns that 'batchmean' is the KL divergence).
 */
const klDiv = pointwiseLoss<KlDivAttrs>({
  name: 'kl_div',
  defaults: { reduction: 'mean', log_target: false },
  reductions: ['none', 'batchmean', 'mean', 'sum'],
  check: (_, { log_target }) =>
    typeof log_target === 'boolean'
      ? null
      : new AttrError('kl_div', 'log_target', `must be true or false, got ${JSON.stringify(log_target)}`),
  loss: ({ log_target }) => (log_target ? (x, y) => Math.exp(y) * (y - x) : (x, y) => xlogx(y) - y * x),
  grad: ({ log_target }) => (log_target ? (_, y) => -Math.exp(y) : (_, y) => -y),
  formula: '∂L/∂x = −y·g (log_target: −e^y·g), g = dL/N for batchmean, dL/numel for mean',
});

export const kl_div: OpDef<KlDivAttrs> = klDiv.forward;
export const kl_div_backward: OpDef<KlDivAttrs> = klDiv.backward;
