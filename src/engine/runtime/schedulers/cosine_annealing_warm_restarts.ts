import type { SchedulerDef, ScheduleState } from './scheduler.ts';

export interface CosineWarmRestartsParams {
  T_0: number;
  T_mult: number;
  eta_min: number;
}

export interface CosineWarmRestartsState extends ScheduleState {
  /** steps since the last restart, and the length of the current cycle */
  T_cur: number;
  T_i: number;
}

function cosineAt(p: CosineWarmRestartsParams, baseLr: number, tCur: number, tI: number): number {
  return p.eta_min + ((baseLr - p.eta_min) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
}

/** PyTorch 1.13 CosineAnnealingWarmRestarts.step(): T_cur counts up and wraps, each cycle T_mult times longer. */
export const CosineAnnealingWarmRestarts: SchedulerDef<CosineWarmRestartsParams, CosineWarmRestartsState> = {
  name: 'CosineAnnealingWarmRestarts',
  pytorchClass: 'torch.optim.lr_scheduler.CosineAnnealingWarmRestarts',
  doc: 'Cosine annealing that restarts at lr₀ after T_0 steps, each later cycle T_mult times as long (SGDR).',
  formula: 'lr = η_min + (lr₀ − η_min)·(1 + cos(π·T_cur/T_i))/2;  T_i ← T_i·T_mult at each restart',
  params: {
    T_0: { kind: 'integer', default: 10, min: 1, doc: 'length of the first cycle (PyTorch requires it)' },
    T_mult: {
      kind: 'integer',
      default: 1,
      min: 1,
      doc: 'each cycle is T_mult times as long as the one before',
    },
    eta_min: { kind: 'number', default: 0, min: 0, doc: 'the lowest learning rate η_min' },
  },
  start(p, init) {
    const s: CosineWarmRestartsState = { epoch: 0, lr: cosineAt(p, init.lr, 0, p.T_0), T_cur: 0, T_i: p.T_0 };
    if (init.momentum !== undefined) s.momentum = init.momentum;
    return s;
  },
  step(p, s, init) {
    let tCur = s.T_cur + 1;
    let tI = s.T_i;
    if (tCur >= tI) {
      tCur -= tI;
      tI *= p.T_mult;
    }
    return { ...s, epoch: s.epoch + 1, lr: cosineAt(p, init.lr, tCur, tI), T_cur: tCur, T_i: tI };
  },
};
