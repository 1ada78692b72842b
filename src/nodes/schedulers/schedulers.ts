/**
 * Scheduler node types, one per entry of the runtime's scheduler table (PyTorch's classes and
 * D2L's square-root and factor schedules). A scheduler's `lr` port feeds an optimizer's lr
 * port. `schedule.plan` on the declaration gives the planned curve for the editor to plot;
 * `schedule.create` gives the scheduler the training loop steps. SequentialLR chains the
 * schedulers wired into its inputs, switching at its milestones.
 */
import { isOpError } from '../../engine/errors.ts';
import {
  createScheduler,
  type LrScheduler,
  type SchedulePlan,
  type SchedulerName,
  type ScheduleStart,
  schedulerDefs,
} from '../../engine/runtime/index.ts';
import type { AnyNodeDef } from '../define.ts';
import { declareNode, fail, rangeIssue } from '../kit/checks.ts';
import { paramsOfTable, toHyperparams } from '../kit/hyper.ts';
import { defaultParams } from '../params.ts';
import type { PortDef } from '../types.ts';

/** A scheduler as PyTorch would construct it: class name and constructor arguments. */
export interface ScheduleConfig {
  scheduler: string;
  params: Record<string, unknown>;
}

/** What the editor and the training loop need from a scheduler node, all from its params. */
export interface ScheduleRuntime {
  readonly name: SchedulerName;
  /** the node as a PyTorch config; `chained` are the configs of the schedulers wired into a SequentialLR */
  config(params: Record<string, unknown>, chained?: ScheduleConfig[]): ScheduleConfig;
  /** PyTorch constructor arguments (a reference case, a pasted config) as node params, defaults filled */
  paramsFrom(args: Record<string, unknown>): Record<string, unknown>;
  /** the scheduler for an optimizer whose initial lr (and momentum) is `init` */
  create(params: Record<string, unknown>, init: ScheduleStart, chained?: ScheduleConfig[]): LrScheduler;
  /** the planned lr (and momentum) of the first `steps` optimizer steps: the curve the node plots */
  plan(
    params: Record<string, unknown>,
    steps: number,
    init?: ScheduleStart,
    chained?: ScheduleConfig[],
  ): SchedulePlan;
  /** where the schedule ends (OneCycleLR), so a plot can stop there; undefined: it runs forever */
  lastStep(params: Record<string, unknown>, chained?: ScheduleConfig[]): number | undefined;
}

export type SchedulerNodeDef = AnyNodeDef & { schedule: ScheduleRuntime };

export function isSchedulerNode(def: AnyNodeDef | undefined): def is SchedulerNodeDef {
  return !!def && 'schedule' in def;
}

/** The lr a plot starts from when no optimizer is wired yet (PyTorch reference runs use 0.1). */
export const PLOT_START: ScheduleStart = { lr: 0.1, momentum: 0.9 };

/** Node defaults that differ from the table's, so a freshly dropped node already plots a curve. */
const NODE_DEFAULTS: Partial<Record<SchedulerName, Record<string, unknown>>> = {
  OneCycleLR: { total_steps: 100 },
  SequentialLR: { milestones: [10] },
};

/** SequentialLR's inputs: the schedulers to chain, in order. */
const CHAIN_PORTS = ['first', 'second', 'third', 'fourth'];

function schedulerNode(name: SchedulerName): SchedulerNodeDef {
  const table = schedulerDefs[name];
  const sequential = name === 'SequentialLR';
  const params = paramsOfTable(table.params, NODE_DEFAULTS[name]);
  const config = (q: Record<string, unknown>, chained: ScheduleConfig[] = []): ScheduleConfig => {
    const args = toHyperparams(table.params, q);
    return { scheduler: name, params: sequential ? { ...args, schedulers: chained } : args };
  };
  const runtime: ScheduleRuntime = {
    name,
    config,
    paramsFrom: (args) => {
      const { schedulers: _nested, ...rest } = args;
      return { ...defaultParams(params), ...rest };
    },
    create: (q, init, chained) => createScheduler(name, config(q, chained).params, init),
    plan: (q, steps, init = PLOT_START, chained) =>
      createScheduler(name, config(q, chained).params, init).plan(steps),
    lastStep: (q, chained) => createScheduler(name, config(q, chained).params, PLOT_START).lastStep,
  };
  const inputs: PortDef[] = sequential
    ? CHAIN_PORTS.map((port, i) => ({
        name: port,
        kind: 'schedule',
        optional: i >= 2,
        doc: `the ${port} scheduler of the chain`,
      }))
    : [];
  const node = declareNode({
    type: name,
    group: 'schedulers',
    aliases: [table.pytorchClass, 'scheduler', 'learning rate schedule'],
    doc: `${table.doc} Wire its lr output into an optimizer's lr port; the node plots its planned curve.`,
    formula: table.formula,
    params,
    inputs,
    outputs: [{ name: 'lr', kind: 'schedule', doc: 'the learning rate of each step' }],
    infer(chain, q) {
      if (sequential) {
        const count = chain.filter((t) => t !== null).length;
        const milestones = q.milestones as number[];
        if (milestones.length !== count - 1) {
          return rangeIssue(
            name,
            'milestones',
            `a list of ${count - 1} step(s), one fewer than the ${count} chained schedulers`,
            milestones,
          );
        }
        return [{ dtype: 'float32', dims: [] }];
      }
      try {
        createScheduler(name, config(q).params, PLOT_START);
      } catch (e) {
        if (!isOpError(e)) throw e;
        return fail('invalid_param', e.message);
      }
      return [{ dtype: 'float32', dims: [] }];
    },
    // live mode: the lr of step 0 (for the plot's starting lr; a chain starts with its first scheduler)
    lower: (b, chain, q) => {
      if (sequential) return [chain[0] ?? b.constant([PLOT_START.lr], [])];
      return [b.constant([runtime.plan(q, 1).lrs[0]], [])];
    },
    paramCount: () => 0,
  });
  return { ...node, schedule: runtime };
}

export const StepLR = schedulerNode('StepLR');
export const MultiStepLR = schedulerNode('MultiStepLR');
export const ExponentialLR = schedulerNode('ExponentialLR');
export const CosineAnnealingLR = schedulerNode('CosineAnnealingLR');
export const CosineAnnealingWarmRestarts = schedulerNode('CosineAnnealingWarmRestarts');
export const LinearLR = schedulerNode('LinearLR');
export const OneCycleLR = schedulerNode('OneCycleLR');
export const SequentialLR = schedulerNode('SequentialLR');
export const SquareRootScheduler = schedulerNode('SquareRootScheduler');
export const FactorScheduler = schedulerNode('FactorScheduler');
