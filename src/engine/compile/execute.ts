/**
 * Run a plan's forward pass on a backend: parameters and data come in as tensors, every op
 * call is recorded on the autograd tape under its graph node's label (so backward steps name
 * the node they came from), and the mode sets the `training` attr of Dropout and BatchNorm.
 */
import type { Backend } from '../backend.ts';
import { noGrad, withSource } from '../context.ts';
import { tensor } from '../create.ts';
import { applyOp, getOp } from '../dispatch.ts';
import type { Tensor } from '../tensor.ts';
import type { Plan } from './plan.ts';

export type Mode = 'train' | 'eval';

export interface ExecuteInputs {
  backend: Backend;
  /** a tensor per parameter key */
  params: ReadonlyMap<string, Tensor>;
  /** a tensor per source key */
  feeds: ReadonlyMap<string, Tensor>;
  mode: Mode;
  /** varies the seed of random ops (Dropout) from one step to the next */
  stepSeed?: number;
}

const constantCache = new WeakMap<Plan, Map<Backend, Tensor[]>>();

function constantsOn(plan: Plan, backend: Backend): Tensor[] {
  let perBackend = constantCache.get(plan);
  if (!perBackend) {
    perBackend = new Map();
    constantCache.set(plan, perBackend);
  }
  let made = perBackend.get(backend);
  if (!made) {
    made = plan.constants.map((c) => tensor(c.data, c.shape, c.dtype, backend));
    perBackend.set(backend, made);
  }
  return made;
}

/** Upload the plan's constants to a backend ahead of a scoped step (so the scope does not free them). */
export function prepareConstants(plan: Plan, backend: Backend): void {
  constantsOn(plan, backend);
}

/** Drop the plan's uploaded constants (after a device loss they point at freed buffers). */
export function forgetConstants(plan: Plan): void {
  constantCache.delete(plan);
}

function mixSeed(a: number, b: number): number {
  return ((Math.imul(a ^ (b + 0x9e3779b9), 0x85ebca6b) ^ (b << 6)) >>> 0) & 0x7fffffff;
}

/** Every value of the plan, computed in step order (index = value id). */
export function executePlan(plan: Plan, inputs: ExecuteInputs): Tensor[] {
  const run = () => forward(plan, inputs);
  return inputs.mode === 'eval' ? noGrad(run) : run();
}

function forward(plan: Plan, { backend, params, feeds, mode, stepSeed = 0 }: ExecuteInputs): Tensor[] {
  const values: Tensor[] = new Array(plan.values.length);
  const constants = constantsOn(plan, backend);
  for (const v of plan.values) {
    const o = v.origin;
    if (o.kind === 'param') values[v.id] = need(params.get(o.key), `parameter '${o.key}'`);
    else if (o.kind === 'source') values[v.id] = need(feeds.get(o.key), `data for source '${o.key}'`);
    else if (o.kind === 'constant') values[v.id] = constants[o.index];
  }
  plan.steps.forEach((step, index) => {
    let attrs = step.attrs;
    if (step.modal || step.seeded) {
      attrs = { ...attrs };
      if (step.modal) attrs.training = mode === 'train';
      if (step.seeded) attrs.seed = mixSeed(stepSeed, index);
    }
    const ins = step.inputs.map((i) => (i === null ? null : values[i]));
    const outs = withSource(step.source, () => applyOp(getOp(step.op), ins, attrs));
    step.outputs.forEach((id, k) => {
      values[id] = outs[k];
    });
  });
  return values;
}

function need<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new Error(`executePlan: no ${what}`);
  return x;
}
