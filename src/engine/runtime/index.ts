/**
 * The training runtime's optimizers and schedulers: pure data (the `optimizerDefs` and
 * `schedulerDefs` tables, with PyTorch names, hyperparameter schemas and formulas) plus the
 * functions a node declaration or the train loop calls.
 */
export {
  defaultsOf,
  type HyperSchema,
  type HyperSpec,
  inRange,
  type Range,
  rangeText,
  resolveHyperparams,
} from './hyperparams.ts';
export {
  type ClipGradNormOptions,
  clipGradNorm,
  clipGradValue,
  createOptimizer,
  isOptimizerName,
  Optimizer,
  type OptimizerDef,
  type OptimizerName,
  type OptimizerSnapshot,
  type OptimizerState,
  optimizerDefs,
  type ParamState,
  totalGradNorm,
} from './optimizers/index.ts';
export { gradsOf, type Param, param, paramFromTensor, paramTensor } from './params.ts';
export {
  createScheduler,
  isSchedulerName,
  LrScheduler,
  planSchedule,
  type SchedulePlan,
  type SchedulerDef,
  type SchedulerName,
  type ScheduleStart,
  type ScheduleState,
  schedulerDefs,
} from './schedulers/index.ts';
