import { BackwardPass } from '../../autograd/backward.ts';
import type { Backend } from '../../backend.ts';
import { scalar, tensor } from '../../create.ts';
import { run } from '../../dispatch.ts';
import { isOpError } from '../../errors.ts';
import { add, matmul, mul, reshape, sub } from '../../functional.ts';
import {
  canStepOnDevice,
  DeviceOptimizer,
  type DeviceStateMap,
  pruneDeviceState,
  type UpdatingBackend,
} from '../../runtime/optimizers/device.ts';
import { createOptimizer, isOptimizerName, type Optimizer } from '../../runtime/optimizers/index.ts';
import { gradsOf, type Param, param, paramTensor } from '../../runtime/params.ts';
import type { Tensor } from '../../tensor.ts';
import { Verdict } from '../compare.ts';
import { fromRef } from '../tensors.ts';
import type { CaseResult, FamilyContext, RefCase, RefTensor } from '../types.ts';

export interface OptimizerCase extends RefCase {
  optimizer: string;
  hyperparams: Record<string, unknown>;
  params: (RefTensor & { name: string })[];
  problem: { A: RefTensor; b: RefTensor };
  steps: { loss: number; grads: Record<string, RefTensor>; params: Record<string, RefTensor> }[];
}

/**
 * The reference problem L(p) = 0.5·Σ(A·p − b)², p = the parameters flattened and concatenated.
 * A·p is Σ_i A_i·p_i with A_i the columns of A that belong to parameter i, so each parameter
 * stays its own leaf and gets its gradient in its own shape from the backward pass.
 */
export class QuadraticProblem {
  private readonly blocks: Tensor[];
  private readonly b: Tensor;

  constructor(problem: OptimizerCase['problem'], sizes: number[], backend: Backend) {
    const [rows, cols] = problem.A.shape;
    const total = sizes.reduce((a, n) => a + n, 0);
    if (problem.A.shape.length !== 2 || cols !== total) {
      throw new Error(
        `problem A has shape [${problem.A.shape}], expected [m, ${total}] for ${total} parameter values`,
      );
    }
    let offset = 0;
    this.blocks = sizes.map((n) => {
      const block = new Float64Array(rows * n);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < n; j++) block[r * n + j] = problem.A.data[r * cols + offset + j];
      offset += n;
      return tensor(block, [rows, n], 'float32', backend);
    });
    this.b = fromRef(problem.b, backend);
  }

  loss(leaves: Tensor[]): Tensor {
    const products = leaves.map((p, i) => matmul(this.blocks[i], reshape(p, [p.size])));
    const r = sub(
      products.reduce((acc, x) => add(acc, x)),
      this.b,
    );
    return mul(scalar(0.5, r.backend), run('sum', [mul(r, r)]));
  }
}

/**
 * Five steps of an optimizer on the quadratic problem. Each step checks the loss and the
 * gradients at the current parameters (computed with engine ops on the case's backend), then
 * runs the runtime's optimizer on them and checks the parameters after the step.
 */
export async function runOptimizerCase(raw: RefCase, { backend }: FamilyContext): Promise<CaseResult> {
  const c = raw as OptimizerCase;
  if (!isOptimizerName(c.optimizer)) {
    return { id: c.id, ok: false, unsupported: true, message: `optimizer '${c.optimizer}' not implemented` };
  }
  const v = new Verdict();
  try {
    const params: Param[] = c.params.map((p) => param(p.name, p.shape, p.data));
    const optimizer = createOptimizer(c.optimizer, params, c.hyperparams);
    const problem = new QuadraticProblem(
      c.problem,
      params.map((p) => p.data.length),
      backend,
    );
    const stepper = optimizerStepper(optimizer, params, backend);
    for (const [k, want] of c.steps.entries()) {
      const leaves = stepper.leaves();
      const loss = problem.loss(leaves);
      new BackwardPass([{ tensor: loss }]).run();
      await v.tensor(`step ${k} loss`, loss, { shape: [], data: [want.loss] });
      for (const [i, p] of params.entries()) {
        const g = want.grads[p.name];
        if (g) await v.tensor(`step ${k} grad ${p.name}`, leaves[i].grad, g);
      }
      await stepper.step(leaves);
      for (const [i, p] of params.entries()) {
        const after = want.params[p.name];
        if (!after) continue;
        await v.tensor(`step ${k} ${p.name}`, stepper.value(i), after);
      }
      if (!v.ok) break; // later steps only repeat the first difference
    }
    stepper.dispose();
  } catch (e) {
    return { id: c.id, ok: false, message: isOpError(e) ? e.message : `crashed: ${(e as Error).stack}` };
  }
  return v.result(c.id);
}

/**
 * Steps an optimizer the way the trainer does on this backend: on the device where the backend
 * can run its kernel, else on the host. `hostStep` replaces the host step (a node clips first).
 */
export function optimizerStepper(
  optimizer: Optimizer,
  params: Param[],
  backend: Backend,
  hostStep?: (grads: (Float32Array | null)[]) => void,
): Stepper {
  if (!hostStep && canStepOnDevice(backend, optimizer)) return deviceStepper(optimizer, params, backend);
  return hostStepper(hostStep ?? ((grads) => optimizer.step(params, grads)), params, backend);
}

export interface Stepper {
  /** the parameters as leaves that collect this step's gradients */
  leaves(): Tensor[];
  step(leaves: Tensor[]): Promise<void>;
  /** parameter i after the last step */
  value(i: number): Tensor;
  dispose(): void;
}

/** The host optimizer on arrays: gradients read back, parameters re-uploaded each step. */
function hostStepper(
  step: (grads: (Float32Array | null)[]) => void,
  params: Param[],
  backend: Backend,
): Stepper {
  return {
    leaves: () => params.map((p) => paramTensor(p, backend)),
    step: async (leaves) => step(await gradsOf(leaves)),
    value: (i) => paramTensor(params[i], backend),
    dispose: () => {},
  };
}

/** The device optimizer: the parameters stay device tensors, updated in place. */
function deviceStepper(optimizer: Optimizer, params: Param[], backend: UpdatingBackend): Stepper {
  const device: DeviceStateMap = new Map();
  const stepper = new DeviceOptimizer(optimizer, backend, device);
  const tensors = params.map((p) => backend.upload(p.data, p.shape, 'float32').named(p.name));
  return {
    leaves: () =>
      tensors.map((t) => {
        t.zeroGrad();
        return t.requireGrad();
      }),
    step: async (leaves) =>
      stepper.step(
        leaves,
        leaves.map((t) => t.grad),
      ),
    value: (i) => tensors[i],
    dispose: () => {
      pruneDeviceState(device);
      for (const t of tensors) t.dispose();
    },
  };
}
