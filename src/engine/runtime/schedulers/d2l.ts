import { lrState, type SchedulerDef } from './scheduler.ts';

/**
 * D2L §12.11's hand-written schedulers. D2L plots `[scheduler(t) for t in range(n)]`; here
 * lrs[t] is that same sequence, with lr₀ the optimizer's lr (D2L's `lr` / `base_lr`).
 */

export type SquareRootParams = Record<string, never>;

export const SquareRootScheduler: SchedulerDef<SquareRootParams> = {
  name: 'SquareRootScheduler',
  pytorchClass: 'd2l SquareRootScheduler (D2L §12.11)',
  doc: 'Decays the learning rate with the inverse square root of the step count (D2L).',
  formula: 'lr_t = lr₀·(t + 1)^(−½)',
  params: {},
  start: (_p, init) => lrState(0, init.lr, init.momentum),
  step: (_p, s, init) => lrState(s.epoch + 1, init.lr * (s.epoch + 2) ** -0.5, s.momentum),
};

export interface FactorParams {
  factor: number;
  stop_factor_lr: number;
}

/** D2L's FactorScheduler is stateful: each call multiplies its running lr by the factor, floored at stop_factor_lr. */
export const FactorScheduler: SchedulerDef<FactorParams> = {
  name: 'FactorScheduler',
  pytorchClass: 'd2l FactorScheduler (D2L §12.11)',
  doc: 'Multiplies the learning rate by factor each step, never below stop_factor_lr (D2L).',
  formula: 'lr_t = max(stop_factor_lr, lr₀·factor^(t+1))',
  params: {
    factor: { kind: 'number', default: 1, min: 0, doc: 'multiplicative factor per step' },
    stop_factor_lr: { kind: 'number', default: 1e-7, min: 0, doc: 'the learning rate never goes below this' },
  },
  start: (p, init) => lrState(0, Math.max(p.stop_factor_lr, init.lr * p.factor), init.momentum),
  step: (p, s) => lrState(s.epoch + 1, Math.max(p.stop_factor_lr, s.lr * p.factor), s.momentum),
};
