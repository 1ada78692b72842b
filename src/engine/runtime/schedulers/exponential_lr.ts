import { lrState, type SchedulerDef } from './scheduler.ts';

export interface ExponentialLrParams {
  gamma: number;
}

/** PyTorch 1.13 ExponentialLR.get_lr: multiply by γ every step. */
export const ExponentialLR: SchedulerDef<ExponentialLrParams> = {
  name: 'ExponentialLR',
  pytorchClass: 'torch.optim.lr_scheduler.ExponentialLR',
  doc: 'Multiplies the learning rate by gamma every step.',
  formula: 'lr_t = lr₀·γ^t',
  params: {
    gamma: {
      kind: 'number',
      default: 0.95,
      min: 0,
      doc: 'multiplicative factor γ per step (PyTorch requires it)',
    },
  },
  start: (_p, init) => lrState(0, init.lr, init.momentum),
  step: (p, s) => lrState(s.epoch + 1, s.lr * p.gamma, s.momentum),
};
