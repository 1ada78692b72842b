import { AttrError } from '../../errors.ts';
import { type HyperSchema, resolveHyperparams } from '../hyperparams.ts';

/**
 * Learning-rate schedulers as pure data + functions. A scheduler is a `start` state (what
 * PyTorch's constructor leaves in the optimizer: the lr of step 0) and a `step` function
 * (one `scheduler.step()`, run after each optimizer step), both over plain JSON states, so a
 * schedule can be planned, plotted, snapshotted and resumed. The step functions follow
 * PyTorch 1.13's recursive ("chainable") `get_lr` forms, which read the current lr.
 */

/** What the optimizer holds when the scheduler is created: PyTorch's `initial_lr` and momentum. */
export interface ScheduleStart {
  lr: number;
  /** SGD/RMSprop momentum or Adam's β₁; OneCycleLR cycles it */
  momentum?: number;
}

/** The lr (and momentum) for optimizer step `epoch`; schedulers add their own fields. */
export interface ScheduleState {
  epoch: number;
  lr: number;
  momentum?: number;
}

export interface SchedulerDef<P, S extends ScheduleState = ScheduleState> {
  name: string;
  /** the PyTorch class (or D2L class) it reproduces */
  pytorchClass: string;
  doc: string;
  /** one line, Unicode: lr as a function of the step t */
  formula: string;
  params: HyperSchema<P>;
  /** true when it also sets the optimizer's momentum (OneCycleLR), possibly depending on its params */
  cyclesMomentum?: boolean | ((p: P) => boolean);
  /** the last step t the schedule is defined for (OneCycleLR: total_steps); absent: no end */
  lastStep?(p: P): number | undefined;
  /** rules across parameters, after each one was checked against its range; may normalise */
  check?(p: P): P;
  /** the state at t = 0 */
  start(p: P, init: ScheduleStart): S;
  /** the state after one more `scheduler.step()` */
  step(p: P, s: S, init: ScheduleStart): S;
}

/** A planned schedule: lrs[t] is the lr used by optimizer step t (and the momentum, when cycled). */
export interface SchedulePlan {
  lrs: number[];
  momentums?: number[];
}

/** Check a scheduler's params: ranges first, then the rules across them. */
export function resolveSchedulerParams<P>(
  def: SchedulerDef<P, any>,
  params: Record<string, unknown> = {},
): P {
  const resolved = resolveHyperparams(def.name, def.params, params);
  return def.check ? def.check(resolved) : resolved;
}

/** A scheduler driving one optimizer: holds the current state, steps it, plans ahead. */
export class LrScheduler<P = any, S extends ScheduleState = ScheduleState> {
  readonly params: P;
  state: S;

  constructor(
    readonly def: SchedulerDef<P, S>,
    params: Record<string, unknown>,
    readonly init: ScheduleStart,
  ) {
    if (!(init.lr >= 0))
      throw new AttrError(def.name, 'lr', `(the optimizer's initial lr) must be ≥ 0, got ${init.lr}`);
    this.params = resolveSchedulerParams(def, params);
    this.state = def.start(this.params, init);
  }

  get lr(): number {
    return this.state.lr;
  }

  get momentum(): number | undefined {
    return this.state.momentum;
  }

  /** whether this scheduler sets the optimizer's momentum too */
  get cyclesMomentum(): boolean {
    const flag = this.def.cyclesMomentum;
    return typeof flag === 'function' ? flag(this.params) : !!flag;
  }

  /** the last step t this schedule is defined for, so a plot can stop there; undefined: no end */
  get lastStep(): number | undefined {
    return this.def.lastStep?.(this.params);
  }

  /** `scheduler.step()`: advance one step; returns the new lr. */
  step(): number {
    this.state = this.def.step(this.params, this.state, this.init);
    return this.state.lr;
  }

  /** Set the optimizer's lr (and momentum, when this scheduler cycles it) for the next step. */
  applyTo(optimizer: { lr: number; momentum?: number }): void {
    optimizer.lr = this.state.lr;
    if (this.cyclesMomentum && this.state.momentum !== undefined) optimizer.momentum = this.state.momentum;
  }

  /** The lr of optimizer step t, from the start (independent of the current state). */
  lrAt(t: number): number {
    if (!Number.isInteger(t) || t < 0)
      throw new AttrError(this.def.name, 't', `must be an integer ≥ 0, got ${t}`);
    let s = this.def.start(this.params, this.init);
    for (let i = 0; i < t; i++) s = this.def.step(this.params, s, this.init);
    return s.lr;
  }

  /** The first n steps' lrs (and momentums when cycled), for the editor's plot. */
  plan(n: number): SchedulePlan {
    if (!Number.isInteger(n) || n < 0)
      throw new AttrError(this.def.name, 'steps', `must be an integer ≥ 0, got ${n}`);
    const lrs: number[] = [];
    const momentums: number[] = [];
    let s = this.def.start(this.params, this.init);
    for (let t = 0; t < n; t++) {
      if (t > 0) s = this.def.step(this.params, s, this.init);
      lrs.push(s.lr);
      if (s.momentum !== undefined) momentums.push(s.momentum);
    }
    return this.cyclesMomentum && momentums.length === n ? { lrs, momentums } : { lrs };
  }

  /** A JSON copy of the current state, to resume from with `restore`. */
  snapshot(): S {
    return structuredClone(this.state);
  }

  restore(state: S): void {
    if (!Number.isInteger(state?.epoch) || typeof state.lr !== 'number') {
      throw new AttrError(
        this.def.name,
        'snapshot',
        'is not a scheduler state (needs an integer epoch and an lr)',
      );
    }
    this.state = structuredClone(state);
  }
}

/** Python's a % b for b > 0 (never negative), as PyTorch's formulas use it. */
export function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** The state of a scheduler that only sets the lr: momentum passes through unchanged. */
export function lrState(epoch: number, lr: number, momentum: number | undefined): ScheduleState {
  return momentum === undefined ? { epoch, lr } : { epoch, lr, momentum };
}
