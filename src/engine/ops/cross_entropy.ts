import type { OpDef } from '../op.ts';
import { type ClassLossAttrs, classLoss } from './_class_loss.ts';

/**
 * F.cross_entropy on logits [N, C] or [N, C, d1, …]: −Σ_c q_c·log softmax(z)_c per row, with
 * q the (weighted, smoothed) one-hot class index or the given class probabilities. The kernel
 * takes one log-sum-exp pass per row, so logits of ±1000 stay finite.
 */
const crossEntropy = classLoss({
  name: 'cross_entropy',
  logits: true,
  probabilityTargets: true,
  defaults: { reduction: 'mean', ignore_index: -100, label_smoothing: 0.0 },
  formula:
    '∂L/∂z = (softmax(z) − onehot(y))·w[y] / N; N = Σ w[y] for mean; smoothing ε adds (ε/C)·(softmax(z)·Σw − w)',
  backwardFormula: 'dz = g·(softmax(z)·Σ_c q_c − q), q = (1−ε)·w[y]·onehot(y) + (ε/C)·w, g = dL / N',
});

export const cross_entropy: OpDef<ClassLossAttrs> = crossEntropy.forward;
export const cross_entropy_backward: OpDef<ClassLossAttrs> = crossEntropy.backward;
