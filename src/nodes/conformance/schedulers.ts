/**
 * The `schedulers` reference family, run through the scheduler node declarations: the case's
 * constructor arguments become node params (checked by the node's specs and shape rule), a
 * SequentialLR's inner schedulers become the configs of chained scheduler nodes, and the
 * node's runtime drives an optimizer built by the optimizer node. The node's planned curve
 * (what the editor plots) must equal the schedule the optimizer actually followed.
 */
import { compareValues, Verdict } from '../../engine/conformance/compare.ts';
import { checkFollowedSchedule } from '../../engine/conformance/families/schedulers.ts';
import type { CaseResult, RefCase } from '../../engine/conformance/types.ts';
import { isOpError } from '../../engine/errors.ts';
import { catalog } from '../catalog.ts';
import type { InferContext } from '../define.ts';
import { checkParams } from '../kit/checks.ts';
import { isOptimizerNode } from '../optimizers/optimizers.ts';
import { isSchedulerNode, type ScheduleConfig, type SchedulerNodeDef } from '../schedulers/schedulers.ts';
import type { ShapeIssue, TensorType } from '../types.ts';

interface SchedulerCase extends RefCase {
  scheduler: string;
  params: Record<string, unknown> & {
    schedulers?: { scheduler: string; params?: Record<string, unknown> }[];
  };
  optimizer: { name: string } & Record<string, unknown>;
  lrs: number[];
  momentums?: number[];
}

class NodeRejected extends Error {}

const quiet: InferContext = { unify: () => true, resolve: (d) => d, warn: () => {} };
const scheduleType: TensorType = { dtype: 'float32', dims: [] };

/** A scheduler node's params from PyTorch arguments, as the editor would hold them; rejected params throw. */
function nodeParams(
  def: SchedulerNodeDef,
  args: Record<string, unknown>,
  chained: number,
): Record<string, unknown> {
  const params = def.schedule.paramsFrom(args);
  const inputs = def.inputs.map((_, i) => (i < chained ? scheduleType : null));
  const issues = [
    ...checkParams(def.type, def.params, params),
    ...def.infer(inputs, params as never, quiet),
  ].filter((r): r is ShapeIssue => 'severity' in r);
  if (issues.length > 0) throw new NodeRejected(`${def.type} node rejected the case: ${issues[0].message}`);
  return params;
}

export function runSchedulerCaseThroughNodes(raw: RefCase): CaseResult {
  const c = raw as SchedulerCase;
  const def = catalog.get(c.scheduler);
  if (!isSchedulerNode(def))
    return { id: c.id, ok: false, unsupported: true, message: `no scheduler node type '${c.scheduler}'` };
  const v = new Verdict();
  try {
    const { name, ...hyper } = c.optimizer;
    const optimizerDef = catalog.get(name);
    if (!isOptimizerNode(optimizerDef))
      return { id: c.id, ok: false, unsupported: true, message: `no optimizer node type '${name}'` };
    const optimizer = optimizerDef.optimizer.create([], optimizerDef.optimizer.paramsFrom(hyper));
    // the schedulers wired into a SequentialLR node, each its own node
    const chained: ScheduleConfig[] = (c.params.schedulers ?? []).map((inner) => {
      const innerDef = catalog.get(inner.scheduler);
      if (!isSchedulerNode(innerDef)) throw new NodeRejected(`no scheduler node type '${inner.scheduler}'`);
      return innerDef.schedule.config(nodeParams(innerDef, inner.params ?? {}, 0));
    });
    const params = nodeParams(def, c.params, chained.length);
    const start = { lr: optimizer.lr, momentum: optimizer.momentum };
    const scheduler = def.schedule.create(params, start, chained);
    checkFollowedSchedule(v, scheduler, optimizer, c);
    const plan = def.schedule.plan(params, c.lrs.length, start, chained);
    v.add(compareValues('planned lrs (the node’s plot)', plan.lrs, c.lrs));
    if (c.momentums && plan.momentums) v.add(compareValues('planned momentums', plan.momentums, c.momentums));
  } catch (e) {
    if (e instanceof NodeRejected || isOpError(e)) return { id: c.id, ok: false, message: e.message };
    return { id: c.id, ok: false, message: `crashed: ${(e as Error).stack}` };
  }
  return v.result(c.id);
}
