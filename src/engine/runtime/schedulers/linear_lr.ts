import { lrState, type SchedulerDef } from './scheduler.ts';

export interface LinearLrParams {
  start_factor: number;
  end_factor: number;
  total_iters: number;
}

/**
 * PyTorch 1.13 LinearLR.get_lr, recursive: start at lr₀·start_factor, then each step multiplies
 * by the ratio of consecutive linear factors, until total_iters; constant after.
 */
export const LinearLR: SchedulerDef<LinearLrParams> = {
  name: 'LinearLR',
  pytorchClass: 'torch.optim.lr_scheduler.LinearLR',
  doc: 'Changes the learning rate linearly from lr₀·start_factor to lr₀·end_factor over total_iters steps (warmup).',
  formula: 'lr_t = lr₀·(s + (e − s)·min(t, T)/T),  s = start_factor, e = end_factor, T = total_iters',
  params: {
    start_factor: {
      kind: 'number',
      default: 1 / 3,
      min: 0,
      minOpen: true,
      max: 1,
      doc: 'factor on lr₀ at step 0',
    },
    end_factor: { kind: 'number', default: 1, min: 0, max: 1, doc: 'factor on lr₀ from step total_iters on' },
    total_iters: { kind: 'integer', default: 5, min: 0, doc: 'steps over which the factor changes' },
  },
  start: (p, init) => lrState(0, init.lr * p.start_factor, init.momentum),
  step(p, s) {
    const t = s.epoch + 1;
    const { start_factor: a, end_factor: b, total_iters: T } = p;
    const lr = t > T ? s.lr : s.lr * (1 + (b - a) / (T * a + (t - 1) * (b - a)));
    return lrState(t, lr, s.momentum);
  },
};
