import { lrState, type SchedulerDef } from './scheduler.ts';

export interface StepLrParams {
  step_size: number;
  gamma: number;
}

/** PyTorch 1.13 StepLR.get_lr: multiply by γ whenever the step is a positive multiple of step_size. */
export const StepLR: SchedulerDef<StepLrParams> = {
  name: 'StepLR',
  pytorchClass: 'torch.optim.lr_scheduler.StepLR',
  doc: 'Decays the learning rate by gamma every step_size steps.',
  formula: 'lr_t = lr₀·γ^⌊t/step_size⌋',
  params: {
    step_size: { kind: 'integer', default: 10, min: 1, doc: 'steps between decays (PyTorch requires it)' },
    gamma: { kind: 'number', default: 0.1, min: 0, doc: 'multiplicative factor γ of each decay' },
  },
  start: (_p, init) => lrState(0, init.lr, init.momentum),
  step(p, s) {
    const epoch = s.epoch + 1;
    return lrState(epoch, epoch % p.step_size === 0 ? s.lr * p.gamma : s.lr, s.momentum);
  },
};
