import { expect, it } from 'vitest';
import { BackwardPass } from '../../src/engine/autograd/backward.ts';
import type { Backend } from '../../src/engine/backend.ts';
import { executePlan } from '../../src/engine/compile/execute.ts';
import type { Plan } from '../../src/engine/compile/plan.ts';
import { createWebGPUBackend, type WebGPUBackend } from '../../src/engine/backends/webgpu/index.ts';
import { precompileStep } from '../../src/engine/backends/webgpu/precompile.ts';
import { cpuBackend, Rng, run, type Tensor, tensor } from '../../src/engine/index.ts';
import { compiler, doc } from '../training/helpers.ts';
import { describeGpu, webgpu } from './gpu.ts';

/** A backend on a new device of its own: nothing compiled yet. */
async function freshBackend(): Promise<WebGPUBackend> {
  const { create } = await import('webgpu');
  const backend = await createWebGPUBackend(create([]));
  if (!backend) throw new Error('a second WebGPU device could not be created');
  return backend;
}

const batch = 64;

/** The acceptance MLP, 784-128-64-10 with cross-entropy, compiled for batch 64. */
function mlpPlan(): Plan {
  const plan = compiler(
    doc(
      [
        ['x', 'Input', { shape: ['N', 784], dtype: 'float32' }],
        ['y', 'Input', { shape: ['N'], dtype: 'int32' }],
        ['fc1', 'Linear', { in_features: 784, out_features: 128 }],
        ['relu1', 'ReLU'],
        ['fc2', 'Linear', { in_features: 128, out_features: 64 }],
        ['relu2', 'ReLU'],
        ['fc3', 'Linear', { in_features: 64, out_features: 10 }],
        ['loss', 'CrossEntropyLoss'],
      ],
      [
        'x.output -> fc1.input',
        'fc1.output -> relu1.input',
        'relu1.output -> fc2.input',
        'fc2.output -> relu2.input',
        'relu2.output -> fc3.input',
        'fc3.output -> loss.input',
        'y.output -> loss.target',
      ],
    ),
  )({ N: batch });
  expect(plan.params.map((p) => p.shape)).toEqual([[128, 784], [128], [64, 128], [64], [10, 64], [10]]);
  return plan;
}

/** Seeded weights and one batch, as host arrays, so every backend steps from the same values. */
function stepInputs(plan: Plan) {
  const rng = new Rng(3);
  const values = (n: number, draw: () => number) => Array.from({ length: n }, draw);
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  return {
    params: plan.params.map((p) => values(size(p.shape), () => rng.normal() * 0.05)),
    sources: plan.sources.map((s) =>
      s.dtype === 'int32'
        ? values(size(s.shape), () => Math.floor(rng.uniform(0, 10)))
        : values(size(s.shape), () => rng.uniform(0, 1)),
    ),
  };
}

/** One training step the way the train loop runs it: forward, backward, loss and gradients read back. */
async function trainingStep(backend: WebGPUBackend, plan: Plan, inputs: ReturnType<typeof stepInputs>) {
  const started = performance.now();
  const { loss, grads } = backend.scope(() => {
    const leaves = plan.params.map((p, i) =>
      tensor(inputs.params[i], p.shape, 'float32', backend).requireGrad(),
    );
    const values = executePlan(plan, {
      backend,
      params: new Map(plan.params.map((p, i) => [p.key, leaves[i]])),
      feeds: new Map(
        plan.sources.map((s, i) => [s.key, tensor(inputs.sources[i], s.shape, s.dtype, backend)]),
      ),
      mode: 'train',
    });
    const lossValue = values[plan.losses[0].value];
    new BackwardPass(lossValue).run();
    return { loss: lossValue, grads: leaves.map((t) => t.grad!) };
  });
  // recording holds the JS thread; a pipeline compiled on first use is compiled in it
  const recordMs = performance.now() - started;
  const read = async (t: { data(): Promise<ArrayLike<number>> }) => Array.from(await t.data());
  const values = { loss: await read(loss), grads: await Promise.all(grads.map(read)) };
  for (const t of [loss, ...grads]) t.dispose();
  return { values, recordMs, totalMs: performance.now() - started };
}

const describeStep = (s: { recordMs: number; totalMs: number }) =>
  `${s.totalMs.toFixed(0)} ms (${s.recordMs.toFixed(0)} ms recording it)`;

describeGpu('precompiling the pipelines of a training step', () => {
  it('leaves the first MLP step no pipeline to compile, and the step computes what it computes without', {
    timeout: 300_000,
  }, async () => {
    const plan = mlpPlan();
    const inputs = stepInputs(plan);
    const cold = await freshBackend();
    const warmed = await freshBackend();

    // The precompiled device goes first: lavapipe keeps shaders' machine code in Mesa's disk
    // cache, so the device that compiles second may find it there; this order can only favour
    // the step without precompile.
    const stats = await precompileStep(warmed, plan);
    const rt = warmed.runtime;
    expect(stats!.compiled).toBeGreaterThan(0);
    expect(rt.asyncPipelines).toBe(stats!.compiled);
    const syncBefore = rt.syncPipelines;
    const afterPrecompile = await trainingStep(warmed, plan, inputs);
    expect(rt.syncPipelines - syncBefore).toBe(0);

    const withoutPrecompile = await trainingStep(cold, plan, inputs);
    const compiledOnFirstUse = cold.runtime.syncPipelines;
    // the dry run asked for exactly the pipelines the real step compiles on first use
    expect(stats!.compiled).toBe(compiledOnFirstUse);

    expect(afterPrecompile.values).toEqual(withoutPrecompile.values);
    console.log(
      `MLP 784-128-64-10, batch ${batch}, first training step on ${warmed.adapterName}: ` +
        `${describeStep(withoutPrecompile)} compiling ${compiledOnFirstUse} pipelines on first use; ` +
        `${describeStep(afterPrecompile)} after a precompile of ${stats!.ms.toFixed(0)} ms`,
    );
  });

  it('a dry run records dispatches without running them, frees what it made, and refuses reads', async () => {
    const backend = webgpu!;
    const rt = backend.runtime;
    const before = { ...backend.memory(), dispatches: rt.dispatches, submits: rt.submits };
    const logits = tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float32', backend);
    const target = tensor([0, 2], [2], 'int32', backend);
    let read: Promise<unknown> | null = null;
    const keys = rt.collectPipelines(() =>
      backend.scope(() => {
        const loss = run('cross_entropy', [logits, target]);
        read = loss.data();
      }),
    );
    await expect(read).rejects.toThrow(/no values can be read during a dry run/);
    expect(rt.dispatches).toBe(before.dispatches);
    expect(rt.submits).toBe(before.submits);
    expect(backend.memory().liveTensors).toBe(before.liveTensors + 2);
    expect(keys.length).toBeGreaterThan(0);
    // a kernel that reports value errors is keyed with the error buffer's binding, as dispatch keys it
    expect(keys.some((k) => k.defines.ERROR_BINDING !== undefined && k.id.includes('ERROR_BINDING='))).toBe(
      true,
    );
    // out of the dry run the same op runs for real
    const loss = run('cross_entropy', [logits, target], {});
    expect((await loss.data())[0]).toBeCloseTo(1.4076, 3);
    for (const t of [logits, target, loss]) t.dispose();
  });

  it('compiles each pipeline once: a second precompile finds them cached', async () => {
    const backend = await freshBackend();
    const step = () => {
      run('relu', [tensor([-1, 2], [2], 'float32', backend)]);
    };
    const first = await backend.precompile(step);
    expect(first.compiled).toBe(1);
    expect(await backend.precompile(step)).toMatchObject({ compiled: 0 });
    expect(backend.runtime.pipelineCount).toBe(1);
  });

  it('a dispatch that needs a pipeline still compiling compiles it now and keeps it', async () => {
    const backend = await freshBackend();
    const rt = backend.runtime;
    const x = tensor([-1, 2], [2], 'float32', backend);
    const keys = rt.collectPipelines(() => backend.scope(() => run('relu', [x])));
    const compiling = rt.precompile(keys);
    // a synchronous dispatch cannot wait for the compile in flight
    const y = run('relu', [x]);
    expect(rt.syncPipelines).toBe(1);
    expect(await compiling).toBe(1);
    expect(rt.asyncPipelines).toBe(0);
    expect(rt.pipelineCount).toBe(1);
    expect(Array.from(await y.data())).toEqual([0, 2]);
  });

  it('also compiles the optimizer update, the gradient norms and the validation pass it is told of', async () => {
    const backend = await freshBackend();
    const plan = mlpPlan();
    const sgdWithMomentum = { name: 'optim_sgd', defines: { MOMENTUM: 1 } };
    const norm = (g: Tensor) => run('sqrt', [run('sum', [run('mul', [g, g])])]);
    let rehearsedGrads: (Tensor | null)[] = [];
    await precompileStep(backend, plan, {
      evalPlan: plan,
      kernels: [sgdWithMomentum],
      afterBackward: (grads) => {
        rehearsedGrads = [...grads.values()];
        for (const g of rehearsedGrads) if (g) norm(g);
      },
    });
    expect(rehearsedGrads.map((g) => g?.shape)).toEqual(plan.params.map((p) => p.shape));
    const rt = backend.runtime;
    const syncBefore = rt.syncPipelines;
    const inputs = stepInputs(plan);
    const logits = backend.scope(() => {
      const values = executePlan(plan, {
        backend,
        params: new Map(
          plan.params.map((p, i) => [p.key, tensor(inputs.params[i], p.shape, 'float32', backend)]),
        ),
        feeds: new Map(
          plan.sources.map((s, i) => [s.key, tensor(inputs.sources[i], s.shape, s.dtype, backend)]),
        ),
        mode: 'eval',
      });
      return values[plan.outputs.get('node:fc3:output')!];
    });
    const [param, grad, momentum] = [
      [1, 2],
      [0.5, -0.5],
      [0, 0],
    ].map((v) => tensor(v, [2], 'float32', backend));
    backend.applyUpdate(sgdWithMomentum, grad, [param, momentum], [0.1, 0.9, 0, 0], 4);
    expect(Array.from(await param.data())).toEqual([0.95, 2.05].map(Math.fround));
    expect((await norm(tensor([3, 4], [2], 'float32', backend)).data())[0]).toBe(5);
    expect(logits.shape).toEqual([batch, 10]);
    await logits.data();
    expect(rt.syncPipelines).toBe(syncBefore);
  });

  it('has nothing to precompile on the CPU backend', async () => {
    expect(await precompileStep(cpuBackend as Backend, mlpPlan())).toBeNull();
  });
});
