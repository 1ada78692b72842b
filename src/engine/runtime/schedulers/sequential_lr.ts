import { AttrError } from '../../errors.ts';
import { resolveSchedulerParams, type SchedulerDef, type ScheduleState } from './scheduler.ts';

/** One scheduler of the sequence, as a config: its class name and constructor arguments. */
export interface ScheduleConfig {
  scheduler: string;
  params?: Record<string, unknown>;
}

export interface SequentialLrParams {
  schedulers: ScheduleConfig[];
  milestones: number[];
}

export interface SequentialLrState extends ScheduleState {
  /** which scheduler of the list runs now, and its own state */
  active: number;
  inner: ScheduleState;
}

type Lookup = (name: string) => SchedulerDef<any, any> | undefined;

/**
 * PyTorch 1.13 SequentialLR: scheduler k runs from milestone k−1 on; at a milestone the next
 * one restarts from its own step 0 (PyTorch's `step(0)`), from the optimizer's initial lr.
 * The schedulers are looked up by name in the table (passed in to avoid an import cycle).
 */
export function defineSequentialLR(lookup: Lookup): SchedulerDef<SequentialLrParams, SequentialLrState> {
  const defOf = (c: ScheduleConfig): SchedulerDef<any, any> => lookup(c.scheduler)!;
  const wrap = (epoch: number, active: number, inner: ScheduleState): SequentialLrState => {
    const s: SequentialLrState = { epoch, lr: inner.lr, active, inner };
    if (inner.momentum !== undefined) s.momentum = inner.momentum;
    return s;
  };
  return {
    name: 'SequentialLR',
    pytorchClass: 'torch.optim.lr_scheduler.SequentialLR',
    doc: 'Runs schedulers one after another, switching at the milestones (e.g. linear warmup, then cosine).',
    formula:
      'lr_t = scheduler_k(t − m_k),  k = number of milestones ≤ t,  m_k = the k-th milestone (m_0 = 0)',
    params: {
      schedulers: {
        kind: 'schedule-list',
        default: [],
        doc: 'the schedulers, in order: {scheduler, params}',
      },
      milestones: {
        kind: 'integer-list',
        default: [],
        min: 1,
        ascending: true,
        doc: 'steps at which to switch to the next scheduler',
      },
    },
    cyclesMomentum: (p) =>
      p.schedulers.some((c) => {
        const flag = defOf(c).cyclesMomentum;
        return typeof flag === 'function' ? flag(c.params) : !!flag;
      }),
    lastStep(p) {
      const last = p.schedulers[p.schedulers.length - 1];
      const end = defOf(last).lastStep?.(last.params);
      return end === undefined ? undefined : (p.milestones[p.milestones.length - 1] ?? 0) + end;
    },
    check(p) {
      if (p.schedulers.length !== p.milestones.length + 1) {
        throw new AttrError(
          'SequentialLR',
          'milestones',
          `must number one fewer than the schedulers, got ${p.schedulers.length} schedulers and ${p.milestones.length} milestones`,
        );
      }
      const schedulers = p.schedulers.map((c, i) => {
        const name = typeof c?.scheduler === 'string' ? c.scheduler : JSON.stringify(c?.scheduler);
        const def = typeof c?.scheduler === 'string' ? lookup(c.scheduler) : undefined;
        if (!def)
          throw new AttrError('SequentialLR', `schedulers[${i}]`, `names an unknown scheduler ${name}`);
        return { scheduler: c.scheduler, params: resolveSchedulerParams(def, c.params ?? {}) };
      });
      return { ...p, schedulers };
    },
    start(p, init) {
      const first = p.schedulers[0];
      return wrap(0, 0, defOf(first).start(first.params, init));
    },
    step(p, s, init) {
      const epoch = s.epoch + 1;
      let active = 0;
      while (active < p.milestones.length && p.milestones[active] <= epoch) active++; // bisect_right
      const c = p.schedulers[active];
      const restart = active > 0 && p.milestones[active - 1] === epoch;
      // a restart keeps the momentum the optimizer holds now (only OneCycleLR sets its own)
      const inner = restart
        ? defOf(c).start(c.params, { lr: init.lr, momentum: s.momentum })
        : defOf(c).step(c.params, s.inner, init);
      return wrap(epoch, active, inner);
    },
  };
}
