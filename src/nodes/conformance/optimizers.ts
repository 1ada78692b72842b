/**
 * The `optimizers` reference family, run through the optimizer node declarations: each case's
 * PyTorch hyperparameters become node params (validated by the node's param specs, as the
 * inspector does), the node's shape rule checks them, and the node's runtime builds and steps
 * the optimizer on the case's quadratic problem.
 */
import { BackwardPass } from '../../engine/autograd/backward.ts';
import { Verdict } from '../../engine/conformance/compare.ts';
import {
  type OptimizerCase,
  optimizerStepper,
  QuadraticProblem,
} from '../../engine/conformance/families/optimizers.ts';
import type { CaseResult, FamilyContext, RefCase } from '../../engine/conformance/types.ts';
import { isOpError } from '../../engine/errors.ts';
import { type Param, param } from '../../engine/runtime/index.ts';
import { catalog } from '../catalog.ts';
import { checkParams } from '../kit/checks.ts';
import { isOptimizerNode } from '../optimizers/optimizers.ts';

export async function runOptimizerCaseThroughNodes(
  raw: RefCase,
  { backend }: FamilyContext,
): Promise<CaseResult> {
  const c = raw as OptimizerCase;
  const def = catalog.get(c.optimizer);
  if (!isOptimizerNode(def)) {
    return { id: c.id, ok: false, unsupported: true, message: `no optimizer node type '${c.optimizer}'` };
  }
  const v = new Verdict();
  try {
    const nodeParams = def.optimizer.paramsFrom(c.hyperparams);
    const rejected = [
      ...checkParams(def.type, def.params, nodeParams),
      ...def.infer([{ dtype: 'float32', dims: [] }, null], nodeParams as never, {
        unify: () => true,
        resolve: (d) => d,
        warn: () => {},
      }),
    ].filter((r) => 'severity' in r);
    if (rejected.length > 0)
      return {
        id: c.id,
        ok: false,
        message: `node rejected the case: ${'message' in rejected[0] ? rejected[0].message : ''}`,
      };
    const params: Param[] = c.params.map((p) => param(p.name, p.shape, p.data));
    const optimizer = def.optimizer.create(params, nodeParams);
    const problem = new QuadraticProblem(
      c.problem,
      params.map((p) => p.data.length),
      backend,
    );
    // the node's own step (clip, then step) where it clips; else as the trainer steps on this backend
    const clips = nodeParams.clip !== undefined && nodeParams.clip !== 'none';
    const stepper = optimizerStepper(
      optimizer,
      params,
      backend,
      clips ? (grads) => def.optimizer.step(optimizer, params, grads, nodeParams) : undefined,
    );
    for (const [k, want] of c.steps.entries()) {
      const leaves = stepper.leaves();
      const value = problem.loss(leaves);
      new BackwardPass([{ tensor: value }]).run();
      await v.tensor(`step ${k} loss`, value, { shape: [], data: [want.loss] });
      for (const [i, p] of params.entries()) {
        const g = want.grads[p.name];
        if (g) await v.tensor(`step ${k} grad ${p.name}`, leaves[i].grad, g);
      }
      await stepper.step(leaves);
      for (const [i, p] of params.entries()) {
        const after = want.params[p.name];
        if (after) await v.tensor(`step ${k} ${p.name}`, stepper.value(i), after);
      }
      if (!v.ok) break;
    }
    stepper.dispose();
  } catch (e) {
    return { id: c.id, ok: false, message: isOpError(e) ? e.message : `crashed: ${(e as Error).stack}` };
  }
  return v.result(c.id);
}
