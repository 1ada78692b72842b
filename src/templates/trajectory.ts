/**
 * Optimizer paths on a 2-D objective (the SGD-vs-momentum exercise): the document is compiled
 * and trained by the real Trainer, as the Run button does, and after every step each
 * optimizer's point — its one trainable 2-value parameter, e.g. a Tensor leaf x = (x₁, x₂) —
 * is recorded. Graphs with no dataset train here on an empty feed whose only job is to count
 * steps. Every failure is a `TrajectoryError` value, never a throw.
 */
import type { Backend } from '../engine/backend.ts';
import { executePlan } from '../engine/compile/execute.ts';
import type { Plan, PlanOptimizer } from '../engine/compile/plan.ts';
import { cpuBackend, type Tensor, tensor } from '../engine/index.ts';
import { paramTensor } from '../engine/runtime/params.ts';
import { ArrayFeed } from '../engine/runtime/train-data.ts';
import { Trainer } from '../engine/runtime/train.ts';
import type { GraphDocument } from '../graph/index.ts';
import type { Catalog } from '../nodes/index.ts';
import { compileGraph } from '../training/compile.ts';

export interface Trajectory {
  /** the optimizer node, and its label (or type) for a legend */
  optimizer: string;
  label: string;
  /** the parameter it moves (`<node id>/<name>`) */
  param: string;
  /** the point before the first step, then after each step */
  points: [number, number][];
  /** the objective this optimizer minimises at any point (other parameters as they started) */
  lossAt(point: [number, number]): Promise<number>;
}

export class TrajectoryError extends Error {
  override readonly name = 'TrajectoryError';
}

/** Steps each optimizer of `doc` takes, recording the 2-D point it moves. */
export async function traceTrajectories(
  doc: GraphDocument,
  catalog: Catalog,
  options: { steps?: number; seed?: number; backend?: Backend } = {},
): Promise<Trajectory[] | TrajectoryError> {
  const steps = options.steps ?? 30;
  const compiled = compileGraph(doc, { catalog, symbols: { N: 1 } });
  if (!compiled.ok) return new TrajectoryError(compiled.errors.map((e) => e.message).join('; '));
  const { plan } = compiled;
  if (plan.sources.length > 0)
    return new TrajectoryError('the graph reads a dataset: its optimizers follow no single 2-D path');
  if (plan.optimizers.length === 0) return new TrajectoryError('the graph has no optimizer node to trace');
  const sizes = new Map(plan.params.map((p) => [p.key, p.shape.reduce((a, b) => a * b, 1)]));
  for (const o of plan.optimizers) {
    if (o.params.length !== 1 || sizes.get(o.params[0]) !== 2)
      return new TrajectoryError(
        `optimizer ${o.node} moves ${o.params.length} parameters (${o.params.join(', ') || 'none'}); a path needs exactly one of 2 values`,
      );
  }
  const labels = new Map(doc.nodes.map((n) => [n.id as string, n.label ?? n.type]));
  const backend = options.backend ?? cpuBackend;
  let trainer: Trainer;
  try {
    trainer = new Trainer(() => plan, new ArrayFeed({}, null, { train: steps, val: 0 }), backend, {
      batchSize: 1,
      epochs: 1,
      seed: options.seed ?? 0,
      validate: false,
      // the path is read after every step: two numbers, on the host
      residency: 'host',
    });
  } catch (e) {
    return new TrajectoryError(e instanceof Error ? e.message : String(e));
  }
  const point = (key: string): [number, number] => {
    const data = trainer.params.get(key).data;
    return [data[0], data[1]];
  };
  const start = new Map(plan.params.map((p) => [p.key, paramTensor(trainer.params.get(p.key), backend)]));
  const paths = plan.optimizers.map(
    (o): Trajectory => ({
      optimizer: o.node,
      label: labels.get(o.node) ?? o.name,
      param: o.params[0],
      points: [point(o.params[0])],
      lossAt: (at) => objective(plan, o, start, at, backend),
    }),
  );
  for (let k = 0; k < steps; k++) {
    const outcome = await trainer.trainStep();
    if (!outcome.ok)
      return new TrajectoryError(
        `step ${k + 1}: ${outcome.report.what} is not finite (node ${outcome.report.node})`,
      );
    for (const path of paths) path.points.push(point(path.param));
  }
  return paths;
}

/** The optimizer's loss with its parameter at `at`, the others at `start` (a forward pass, no tape). */
async function objective(
  plan: Plan,
  o: PlanOptimizer,
  start: ReadonlyMap<string, Tensor>,
  at: [number, number],
  backend: Backend,
): Promise<number> {
  const params = new Map(start);
  const shape = plan.params.find((p) => p.key === o.params[0])?.shape ?? [2];
  params.set(o.params[0], tensor(at, shape, 'float32', backend));
  const values = executePlan(plan, { backend, params, feeds: new Map(), mode: 'eval' });
  return (await values[o.loss].data())[0];
}
