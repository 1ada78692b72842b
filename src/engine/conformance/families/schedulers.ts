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

interface Scheduled {
  lr: number;
  momentum?: number;
}

/**
 * Steps `scheduler` as training does (`step()` after every optimizer step) and compares the lr
 * (and momentum) `optimizer` holds at each step with the expected ones. Shared with the
 * node-level runner, which builds its scheduler and optimizer from node declarations.
 */
export function checkFollowedSchedule(
  v: Verdict,
  scheduler: { step(): void; applyTo(optimizer: Scheduled): void },
  optimizer: Scheduled,
  expected: { lrs: number[]; momentums?: number[] },
): void {
  const lrs: number[] = [];
  const momentums: number[] = [];
  for (let t = 0; t < expected.lrs.length; t++) {
    if (t > 0) scheduler.step();
    scheduler.applyTo(optimizer);
    lrs.push(optimizer.lr);
    momentums.push(optimizer.momentum ?? Number.NaN);
  }
  v.add(compareValues('lrs', lrs, expected.lrs));
  if (expected.momentums) {
    v.add(compareValues('momentums', momentums.slice(0, expected.momentums.length), expected.momentums));
  }
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
    checkFollowedSchedule(v, scheduler, optimizer, c);
  } catch (e) {
    return { id: c.id, ok: false, message: isOpError(e) ? e.message : `crashed: ${(e as Error).stack}` };
  }
  return v.result(c.id);
}
