import { type AdamHyperparams, adamConstants, adamDevice, adamKernel } from './adam.ts';
import { betasSpec, buffers, epsSpec, lrSpec, maximizeSpec, type OptimizerDef } from './optimizer.ts';

export type AdamwHyperparams = AdamHyperparams;

/**
 * AdamW (PyTorch 1.13 `_single_tensor_adamw`): decoupled weight decay, p ← p·(1 − lr·λ) before
 * an Adam step without the L2 term. The per-element math is `adamKernel` with `decay` set.
 */
export const AdamW: OptimizerDef<AdamwHyperparams> = {
  name: 'AdamW',
  pytorchClass: 'torch.optim.AdamW',
  doc: 'Adam with decoupled weight decay: parameters shrink by lr·λ each step instead of an L2 gradient term.',
  formula: 'p ← p(1 − lr·λ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr·m̂/(√v̂ + ε)',
  hyperparams: {
    lr: lrSpec(1e-3),
    betas: betasSpec(0.9, 0.999),
    eps: epsSpec(1e-8, 'added after √v̂'),
    weight_decay: {
      kind: 'number',
      default: 1e-2,
      min: 0,
      doc: 'decoupled decay λ: p ← p(1 − lr·λ) each step',
    },
    amsgrad: { kind: 'boolean', default: false, doc: 'use the running maximum of v (AMSGrad)' },
    maximize: maximizeSpec,
  },
  momentum: 'betas',
  initState: (size, h) =>
    buffers(size, h.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']),
  update(p, g, s, lr, h) {
    const b = s.buffers;
    adamKernel(p, g, b.exp_avg, b.exp_avg_sq, h.amsgrad ? b.max_exp_avg_sq : undefined, {
      ...adamConstants(lr, h.betas, h.eps, s.step, h.maximize),
      weightDecay: 0,
      decay: 1 - lr * h.weight_decay,
    });
  },
  device: adamDevice((lr, h) => ({ weightDecay: 0, decay: 1 - lr * h.weight_decay })),
};
