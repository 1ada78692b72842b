import { AttrError } from '../../errors.ts';
import type { SchedulerDef, ScheduleState } from './scheduler.ts';

export interface OneCycleLrParams {
  max_lr: number;
  total_steps: number | null;
  epochs: number | null;
  steps_per_epoch: number | null;
  pct_start: number;
  anneal_strategy: 'cos' | 'linear';
  cycle_momentum: boolean;
  base_momentum: number;
  max_momentum: number;
  div_factor: number;
  final_div_factor: number;
  three_phase: boolean;
}

interface Phase {
  endStep: number;
  lr: [number, number];
  momentum: [number, number];
}

/** PyTorch's `_schedule_phases`: where each phase ends and what it anneals between. */
function phases(p: OneCycleLrParams): Phase[] {
  const total = p.total_steps!;
  const initialLr = p.max_lr / p.div_factor;
  const minLr = initialLr / p.final_div_factor;
  const { max_lr: maxLr, base_momentum: lo, max_momentum: hi } = p;
  if (p.three_phase) {
    return [
      { endStep: p.pct_start * total - 1, lr: [initialLr, maxLr], momentum: [hi, lo] },
      { endStep: 2 * p.pct_start * total - 2, lr: [maxLr, initialLr], momentum: [lo, hi] },
      { endStep: total - 1, lr: [initialLr, minLr], momentum: [hi, hi] },
    ];
  }
  return [
    { endStep: p.pct_start * total - 1, lr: [initialLr, maxLr], momentum: [hi, lo] },
    { endStep: total - 1, lr: [maxLr, minLr], momentum: [lo, hi] },
  ];
}

function anneal(strategy: 'cos' | 'linear', start: number, end: number, pct: number): number {
  if (strategy === 'linear') return (end - start) * pct + start;
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

/** PyTorch 1.13 OneCycleLR.get_lr for step t: find its phase, anneal lr (and momentum) across it. */
function stateAt(p: OneCycleLrParams, t: number, momentum: number | undefined): ScheduleState {
  if (t > p.total_steps!) {
    throw new AttrError(
      'OneCycleLR',
      'total_steps',
      `is ${p.total_steps}: tried to step ${t + 1} times (a one-cycle schedule has no steps after its end)`,
    );
  }
  const list = phases(p);
  let startStep = 0;
  for (const [i, phase] of list.entries()) {
    if (t <= phase.endStep || i === list.length - 1) {
      if (phase.endStep === startStep) {
        throw new AttrError(
          'OneCycleLR',
          'pct_start',
          `${p.pct_start} with total_steps ${p.total_steps} leaves phase ${i + 1} empty`,
        );
      }
      const pct = (t - startStep) / (phase.endStep - startStep);
      const lr = anneal(p.anneal_strategy, phase.lr[0], phase.lr[1], pct);
      if (!p.cycle_momentum) return momentum === undefined ? { epoch: t, lr } : { epoch: t, lr, momentum };
      return { epoch: t, lr, momentum: anneal(p.anneal_strategy, phase.momentum[0], phase.momentum[1], pct) };
    }
    startStep = phase.endStep;
  }
  throw new Error('unreachable: the last phase always matches');
}

export const OneCycleLR: SchedulerDef<OneCycleLrParams> = {
  name: 'OneCycleLR',
  pytorchClass: 'torch.optim.lr_scheduler.OneCycleLR',
  doc:
    'The 1cycle policy: warm up from max_lr/div_factor to max_lr, then anneal far below the start, ' +
    'while momentum moves the opposite way. Ignores the optimizer lr.',
  formula:
    'lr: max_lr/div → max_lr over pct_start·T steps → max_lr/(div·final_div) at T (cos or linear); momentum mirrored',
  params: {
    max_lr: { kind: 'number', default: 0.1, min: 0, doc: 'peak learning rate (PyTorch requires it)' },
    total_steps: {
      kind: 'integer',
      default: null,
      nullable: true,
      min: 1,
      doc: 'steps in the cycle; or leave unset and give epochs and steps_per_epoch',
    },
    epochs: {
      kind: 'integer',
      default: null,
      nullable: true,
      min: 1,
      doc: 'with steps_per_epoch: total_steps = epochs·steps_per_epoch',
    },
    steps_per_epoch: { kind: 'integer', default: null, nullable: true, min: 1, doc: 'steps in one epoch' },
    pct_start: {
      kind: 'number',
      default: 0.3,
      min: 0,
      max: 1,
      doc: 'fraction of the cycle spent increasing the lr',
    },
    anneal_strategy: {
      kind: 'choice',
      default: 'cos',
      options: ['cos', 'linear'],
      doc: 'cosine or linear annealing',
    },
    cycle_momentum: {
      kind: 'boolean',
      default: true,
      doc: 'cycle momentum (or Adam β₁) inversely to the lr',
    },
    base_momentum: { kind: 'number', default: 0.85, min: 0, doc: 'momentum at the peak lr' },
    max_momentum: { kind: 'number', default: 0.95, min: 0, doc: 'momentum at the start and end' },
    div_factor: { kind: 'number', default: 25, min: 0, minOpen: true, doc: 'initial lr = max_lr/div_factor' },
    final_div_factor: {
      kind: 'number',
      default: 1e4,
      min: 0,
      minOpen: true,
      doc: 'final lr = initial lr/final_div_factor',
    },
    three_phase: {
      kind: 'boolean',
      default: false,
      doc: 'add a third phase that anneals back to the initial lr first',
    },
  },
  cyclesMomentum: (p) => p.cycle_momentum,
  lastStep: (p) => p.total_steps!,
  check(p) {
    if (p.total_steps !== null) return p;
    if (p.epochs === null || p.steps_per_epoch === null) {
      throw new AttrError('OneCycleLR', 'total_steps', 'must be given, or both epochs and steps_per_epoch');
    }
    return { ...p, total_steps: p.epochs * p.steps_per_epoch };
  },
  start: (p, init) => stateAt(p, 0, init.momentum),
  step: (p, s) => stateAt(p, s.epoch + 1, s.momentum),
};
