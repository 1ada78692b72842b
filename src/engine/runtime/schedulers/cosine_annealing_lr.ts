import { lrState, pyMod, type SchedulerDef } from './scheduler.ts';

export interface CosineAnnealingLrParams {
  T_max: number;
  eta_min: number;
}

/**
 * PyTorch 1.13 CosineAnnealingLR.get_lr, the recursive form: each step rescales (lr − η_min) by
 * the ratio of consecutive cosine factors; at the bottom of the curve (where that ratio would
 * divide by zero) it adds the rise instead. Past T_max it keeps following the cosine back up.
 */
export const CosineAnnealingLR: SchedulerDef<CosineAnnealingLrParams> = {
  name: 'CosineAnnealingLR',
  pytorchClass: 'torch.optim.lr_scheduler.CosineAnnealingLR',
  doc: 'Anneals the learning rate from lr₀ to eta_min along half a cosine over T_max steps (and back up after).',
  formula: 'lr_t = η_min + (lr₀ − η_min)·(1 + cos(πt/T_max))/2',
  params: {
    T_max: {
      kind: 'integer',
      default: 10,
      min: 1,
      doc: 'steps from lr₀ down to eta_min (PyTorch requires it)',
    },
    eta_min: { kind: 'number', default: 0, min: 0, doc: 'the lowest learning rate η_min' },
  },
  start: (_p, init) => lrState(0, init.lr, init.momentum),
  step(p, s, init) {
    const t = s.epoch + 1;
    const { T_max: T, eta_min: etaMin } = p;
    const lr =
      pyMod(t - 1 - T, 2 * T) === 0
        ? s.lr + ((init.lr - etaMin) * (1 - Math.cos(Math.PI / T))) / 2
        : ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (s.lr - etaMin) +
          etaMin;
    return lrState(t, lr, s.momentum);
  },
};
