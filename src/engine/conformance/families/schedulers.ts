import { isOpError } from '../../errors.ts';
import { createOptimizer } from '../../runtime/optimizers/index.ts';
import { createScheduler, isSchedulerName } from '../../runtime/schedulers/index.ts';
import { compareValues, Verdict } from '../compare.ts';
import type { CaseResult, RefCase } from '../types.ts';

interface SchedulerCase extends RefCase {
  scheduler: string;
  params: Record<string, unknown>;
  optimizer: { name: string } & Record<string, unknown>;
  lrs: number[];
  momentums?: number[];
}

/**
 * A scheduler driving a runtime optimizer, as in training: the lr (and momentum) the
 * optimizer holds at each step t, with `scheduler.step()` after every optimizer step.
 */
export function runSchedulerCase(raw: RefCase): CaseResult {
  const c = raw as SchedulerCase;
  if (!isSchedulerName(c.scheduler)) {
    return { id: c.id, ok: false, unsupported: true, message: `scheduler '${c.scheduler}' not implemented` };
  }
  const v = new Verdict();
  try {
    const { name, ...hyperparams } = c.optimizer;
    const optimizer = createOptimizer(name, [], hyperparams);
    const scheduler = createScheduler(c.scheduler, c.params, {
      lr: optimizer.lr,
      momentum: optimizer.momentum,
    });
    const lrs: number[] = [];
    const momentums: number[] = [];
    for (let t = 0; t < c.lrs.length; t++) {
      if (t > 0) scheduler.step();
      scheduler.applyTo(optimizer);
      lrs.push(optimizer.lr);
      momentums.push(optimizer.momentum ?? Number.NaN);
    }
    v.add(compareValues('lrs', lrs, c.lrs));
    if (c.momentums) v.add(compareValues('momentums', momentums.slice(0, c.momentums.length), c.momentums));
  } catch (e) {
    return { id: c.id, ok: false, message: isOpError(e) ? e.message : `crashed: ${(e as Error).stack}` };
  }
  return v.result(c.id);
}
