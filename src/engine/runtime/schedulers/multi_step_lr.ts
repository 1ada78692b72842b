import { lrState, type SchedulerDef } from './scheduler.ts';

export interface MultiStepLrParams {
  milestones: number[];
  gamma: number;
}

/** How often t appears in the milestones: PyTorch keeps them in a Counter, so γ applies per occurrence. */
function occurrences(milestones: readonly number[], t: number): number {
  let n = 0;
  for (const m of milestones) if (m === t) n++;
  return n;
}

/** PyTorch 1.13 MultiStepLR.get_lr: at a milestone step, multiply by γ^(times it is listed). */
export const MultiStepLR: SchedulerDef<MultiStepLrParams> = {
  name: 'MultiStepLR',
  pytorchClass: 'torch.optim.lr_scheduler.MultiStepLR',
  doc: 'Decays the learning rate by gamma at each milestone step (a milestone listed twice decays twice).',
  formula: 'lr_t = lr₀·γ^(number of milestones ≤ t)',
  params: {
    milestones: {
      kind: 'integer-list',
      default: [30, 80],
      min: 0,
      doc: 'steps at which to decay (PyTorch requires them)',
    },
    gamma: { kind: 'number', default: 0.1, min: 0, doc: 'multiplicative factor γ of each decay' },
  },
  start: (p, init) => lrState(0, init.lr * p.gamma ** occurrences(p.milestones, 0), init.momentum),
  step(p, s) {
    const epoch = s.epoch + 1;
    return lrState(epoch, s.lr * p.gamma ** occurrences(p.milestones, epoch), s.momentum);
  },
};
