import { AttrError } from '../../errors.ts';
import { CosineAnnealingLR } from './cosine_annealing_lr.ts';
import { CosineAnnealingWarmRestarts } from './cosine_annealing_warm_restarts.ts';
import { FactorScheduler, SquareRootScheduler } from './d2l.ts';
import { ExponentialLR } from './exponential_lr.ts';
import { LinearLR } from './linear_lr.ts';
import { MultiStepLR } from './multi_step_lr.ts';
import { OneCycleLR } from './one_cycle_lr.ts';
import { LrScheduler, type SchedulePlan, type SchedulerDef, type ScheduleStart } from './scheduler.ts';
import { defineSequentialLR } from './sequential_lr.ts';
import { StepLR } from './step_lr.ts';

export type SchedulerName =
  | 'StepLR'
  | 'MultiStepLR'
  | 'ExponentialLR'
  | 'CosineAnnealingLR'
  | 'CosineAnnealingWarmRestarts'
  | 'LinearLR'
  | 'OneCycleLR'
  | 'SequentialLR'
  | 'SquareRootScheduler'
  | 'FactorScheduler';

export function isSchedulerName(name: string): name is SchedulerName {
  return Object.hasOwn(schedulerDefs, name);
}

/** Every scheduler, by PyTorch (or D2L) class name: what a node declaration and the editor's plot read. */
export const schedulerDefs: Record<SchedulerName, SchedulerDef<any, any>> = {
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  LinearLR,
  OneCycleLR,
  SequentialLR: defineSequentialLR((name) => (isSchedulerName(name) ? schedulerDefs[name] : undefined)),
  SquareRootScheduler,
  FactorScheduler,
};

/** A scheduler by name for an optimizer whose initial lr (and momentum) is `init`. */
export function createScheduler(
  name: string,
  params: Record<string, unknown>,
  init: ScheduleStart,
): LrScheduler {
  if (!isSchedulerName(name)) {
    throw new AttrError(
      'scheduler',
      'name',
      `'${name}' is not a scheduler (expected one of ${Object.keys(schedulerDefs).join(', ')})`,
    );
  }
  return new LrScheduler(schedulerDefs[name], params, init);
}

/** The first n lrs (and momentums) of a schedule, e.g. for the editor's plot. */
export function planSchedule(
  name: string,
  params: Record<string, unknown>,
  init: ScheduleStart,
  n: number,
): SchedulePlan {
  return createScheduler(name, params, init).plan(n);
}

export {
  LrScheduler,
  type SchedulePlan,
  type SchedulerDef,
  type ScheduleStart,
  type ScheduleState,
} from './scheduler.ts';
