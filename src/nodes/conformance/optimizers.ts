/**
 * The `optimizers` reference family, run through the optimizer node declarations: each case's
 * PyTorch hyperparameters become node params (validated by the node's param specs, as the
 * inspector does), the node's shape rule checks them, and the node's runtime builds and steps
 * the optimizer on the case's quadratic problem.
 */
import { BackwardPass } from '../../engine/autograd/backward.ts';
import type { Backend } from '../../engine/backend.ts';
import { compareShape, compareValues, Verdict } from '../../engine/conformance/compare.ts';
import { fromRef } from '../../engine/conformance/tensors.ts';
import type { CaseResult, FamilyContext, RefCase, RefTensor } from '../../engine/conformance/types.ts';
import { scalar, tensor } from '../../engine/create.ts';
import { run } from '../../engine/dispatch.ts';
import { isOpError } from '../../engine/errors.ts';
import { add, matmul, mul, reshape, sub } from '../../engine/functional.ts';
import { gradsOf, type Param, param, paramTensor } from '../../engine/runtime/index.ts';
import type { Tensor } from '../../engine/tensor.ts';
import { catalog } from '../catalog.ts';
import { checkParams } from '../kit/checks.ts';
import { isOptimizerNode } from '../optimizers/optimizers.ts';

interface OptimizerCase extends RefCase {
  optimizer: string;
  hyperparams: Record<string, unknown>;
  params: (RefTensor & { name: string })[];
  problem: { A: RefTensor; b: RefTensor };
  steps: { loss: number; grads: Record<string, RefTensor>; params: Record<string, RefTensor> }[];
}

/** L(p) = ½·Σ(A·p − b)², each parameter multiplying its own block of A's columns. */
function quadraticLoss(
  problem: OptimizerCase['problem'],
  sizes: number[],
  backend: Backend,
): (leaves: Tensor[]) => Tensor {
  const [rows, cols] = problem.A.shape;
  let offset = 0;
  const blocks = sizes.map((n) => {
    const block = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < n; j++) block[r * n + j] = problem.A.data[r * cols + offset + j];
    offset += n;
    return tensor(block, [rows, n], 'float32', backend);
  });
  if (offset !== cols) throw new Error(`problem A has ${cols} columns for ${offset} parameter values`);
  const b = fromRef(problem.b, backend);
  return (leaves) => {
    const r = sub(
      leaves.map((p, i) => matmul(blocks[i], reshape(p, [p.size]))).reduce((acc, x) => add(acc, x)),
      b,
    );
    return mul(scalar(0.5, r.backend), run('sum', [mul(r, r)]));
  };
}

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
    const loss = quadraticLoss(
      c.problem,
      params.map((p) => p.data.length),
      backend,
    );
    for (const [k, want] of c.steps.entries()) {
      const leaves = params.map((p) => paramTensor(p, backend));
      const value = loss(leaves);
      new BackwardPass([{ tensor: value }]).run();
      await v.tensor(`step ${k} loss`, value, { shape: [], data: [want.loss] });
      for (const [i, p] of params.entries()) {
        const g = want.grads[p.name];
        if (g) await v.tensor(`step ${k} grad ${p.name}`, leaves[i].grad, g);
      }
      def.optimizer.step(optimizer, params, await gradsOf(leaves), nodeParams);
      for (const p of params) {
        const after = want.params[p.name];
        if (!after) continue;
        const what = `step ${k} ${p.name}`;
        v.add(compareShape(what, p.shape, after.shape) ?? compareValues(what, p.data, after.data));
      }
      if (!v.ok) break;
    }
  } catch (e) {
    return { id: c.id, ok: false, message: isOpError(e) ? e.message : `crashed: ${(e as Error).stack}` };
  }
  return v.result(c.id);
}
