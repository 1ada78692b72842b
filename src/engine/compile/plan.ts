/**
 * A compiled model: the graph lowered to an ordered list of engine op calls over numbered
 * values, plus what training needs around them (parameters with their inits, data sources,
 * losses, optimizers and their schedulers). Plain data: the engine runs it without knowing
 * the document it came from; node ids appear only as labels (`source`) for the stepper and
 * for error reports.
 */
import { isOptimizerName, optimizerDefs } from '../runtime/optimizers/index.ts';
import type { DType } from '../tensor.ts';

/** How a parameter starts. `uniform_fan_in` is nn.Linear/nn.Conv's default (bound 1/√fan_in). */
export type PlanInit =
  | { kind: 'uniform_fan_in'; fanIn: number }
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'normal'; std: number; mean?: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'uniform'; low: number; high: number }
  /** given values, row-major (a leaf tensor written into the graph) */
  | { kind: 'values'; data: number[] }
  /** a torch.nn.init initialiser by name (xavier_uniform, kaiming_normal, ...) with its params */
  | { kind: string; [param: string]: unknown };

/** Where a value comes from. */
export type ValueOrigin =
  | { kind: 'op'; step: number; output: number }
  | { kind: 'param'; key: string }
  | { kind: 'constant'; index: number }
  | { kind: 'source'; key: string }
  /** computed inside step `step`, a fused op, and never kept (linear_act's pre-activation) */
  | { kind: 'fused'; step: number };

export interface PlanValue {
  id: number;
  shape: number[];
  dtype: DType;
  origin: ValueOrigin;
}

/** One engine op call. */
export interface PlanStep {
  op: string;
  /** value ids, null for an absent optional input */
  inputs: (number | null)[];
  attrs: Record<string, unknown>;
  outputs: number[];
  /** the graph node it was lowered from (path `outer/inner` inside composites) */
  source: string;
  /** the op has a `training` attr: the runtime sets it from the mode (Dropout, BatchNorm) */
  modal: boolean;
  /** the op draws random numbers from a `seed` attr (Dropout): the runtime varies it per step */
  seeded: boolean;
  /**
   * outputs that are new values of a buffer fed to an input of the same name
   * (BatchNorm's running_mean/var): output index → parameter key, written back in train mode
   */
  stateUpdates: { output: number; key: string }[];
}

export interface PlanParam {
  /** `<node id>/<name>`: stable across recompiles, so weights survive edits elsewhere */
  key: string;
  node: string;
  name: string;
  shape: number[];
  init: PlanInit;
  /**
   * false for buffers: parameters only ever fed to inputs that take no gradient (running
   * statistics); the optimizer leaves them alone
   */
  trainable: boolean;
}

/** A tensor the data feed provides each step: a source node's output. */
export interface PlanSource {
  /** `<node id>#<k>`: the k-th source the node asked for */
  key: string;
  node: string;
  /** the output port it feeds */
  port: string;
  nodeType: string;
  params: Record<string, unknown>;
  shape: number[];
  dtype: DType;
  value: number;
}

export interface PlanConstant {
  data: number[];
  shape: number[];
  dtype: DType;
}

export interface PlanScheduler {
  node: string;
  /** PyTorch (or D2L) class name, a key of the runtime's schedulerDefs */
  name: string;
  params: Record<string, unknown>;
}

export interface PlanOptimizer {
  node: string;
  /** PyTorch class name, a key of the runtime's optimizerDefs */
  name: string;
  hyperparams: Record<string, unknown>;
  /** the loss node it minimises, and that loss's value */
  lossNode: string;
  loss: number;
  /** the trainable parameters it updates (a parameter group, or all the loss depends on) */
  params: string[];
  scheduler: PlanScheduler | null;
  clip: { maxNorm?: number; normType?: number; value?: number } | null;
  /** micro-batches whose gradients add up before one optimizer step (1: none) */
  accumulate: number;
}

/** An output the runtime reports: a loss, a metric, or any node's output asked for. */
export interface PlanOutput {
  node: string;
  port: string;
  value: number;
}

export interface Plan {
  values: PlanValue[];
  steps: PlanStep[];
  params: PlanParam[];
  sources: PlanSource[];
  constants: PlanConstant[];
  /** every node output, by `<node id>:<port>` */
  outputs: Map<string, number>;
  /** scalar loss outputs (nodes of the losses group) */
  losses: PlanOutput[];
  /** outputs of evaluator nodes (accuracy, ...) */
  metrics: PlanOutput[];
  optimizers: PlanOptimizer[];
  /** sizes the symbols were bound to for this plan (N = the batch size) */
  symbols: Record<string, number>;
}

export const outputKey = (node: string, port: string): string => `${node}:${port}`;

/** Parameter keys a value depends on, walking the recorded steps back from it. */
export function paramsReaching(plan: Plan, value: number): string[] {
  const seen = new Set<number>();
  const keys = new Set<string>();
  const stack = [value];
  while (stack.length) {
    const v = stack.pop() as number;
    if (seen.has(v)) continue;
    seen.add(v);
    const origin = plan.values[v].origin;
    if (origin.kind === 'param') keys.add(origin.key);
    else if (origin.kind === 'op')
      for (const i of plan.steps[origin.step].inputs) if (i !== null) stack.push(i);
  }
  return plan.params.filter((p) => keys.has(p.key)).map((p) => p.key);
}

/** Add an optimizer the document does not hold (a run config's default) over the plan's only loss. */
export function withDefaultOptimizer(
  plan: Plan,
  optimizer: {
    name: string;
    hyperparams?: Record<string, unknown>;
    scheduler?: Omit<PlanScheduler, 'node'> | null;
    clip?: PlanOptimizer['clip'];
    loss?: string;
  },
): PlanOptimizer {
  const candidates: PlanOutput[] = optimizer.loss
    ? plan.losses.filter((l) => l.node === optimizer.loss)
    : plan.losses;
  if (candidates.length !== 1) {
    throw new Error(
      candidates.length
        ? `the graph has ${candidates.length} losses (${candidates.map((l) => l.node).join(', ')}); wire an optimizer node to the one to minimise`
        : 'the graph has no loss node to minimise',
    );
  }
  if (!isOptimizerName(optimizer.name)) {
    throw new Error(
      `'${optimizer.name}' is not an optimizer (expected one of ${Object.keys(optimizerDefs).join(', ')})`,
    );
  }
  const [loss] = candidates;
  const bound: PlanOptimizer = {
    node: 'config:optimizer',
    name: optimizer.name,
    hyperparams: optimizer.hyperparams ?? {},
    lossNode: loss.node,
    loss: loss.value,
    params: paramsReaching(plan, loss.value).filter((k) => plan.params.find((p) => p.key === k)?.trainable),
    scheduler: optimizer.scheduler ? { node: 'config:scheduler', ...optimizer.scheduler } : null,
    clip: optimizer.clip ?? null,
    accumulate: 1,
  };
  plan.optimizers.push(bound);
  return bound;
}
