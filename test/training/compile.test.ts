import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/training/compile.ts';
import { executePlan } from '../../src/engine/compile/execute.ts';
import { ParamStore } from '../../src/engine/compile/params.ts';
import { cpuBackend, tensor } from '../../src/engine/index.ts';
import { paramTensor } from '../../src/engine/runtime/params.ts';
import { catalog } from '../../src/nodes/index.ts';
import { compiler, doc, mlpDoc } from './helpers.ts';

describe('compiling a graph to a plan', () => {
  it('lowers every node in order, binds N to the batch size and names parameters by node', () => {
    const r = compileGraph(mlpDoc(), { catalog, symbols: { N: 16 } });
    if (!r.ok) throw r.errors[0];
    const { plan } = r;
    expect(plan.steps.map((s) => [s.op, s.source])).toEqual([
      ['linear', 'node:fc1'],
      ['relu', 'node:relu'],
      ['linear', 'node:fc2'],
      ['cross_entropy', 'node:loss'],
    ]);
    expect(plan.params.map((p) => [p.key, p.shape, p.init])).toEqual([
      ['node:fc1/weight', [8, 4], { kind: 'uniform_fan_in', fanIn: 4 }],
      ['node:fc1/bias', [8], { kind: 'uniform_fan_in', fanIn: 4 }],
      ['node:fc2/weight', [3, 8], { kind: 'uniform_fan_in', fanIn: 8 }],
      ['node:fc2/bias', [3], { kind: 'uniform_fan_in', fanIn: 8 }],
    ]);
    expect(plan.sources.map((s) => [s.key, s.shape, s.dtype])).toEqual([
      ['node:x#0', [16, 4], 'float32'],
      ['node:y#0', [16], 'int32'],
    ]);
    expect(plan.losses).toEqual([{ node: 'node:loss', port: 'output', value: plan.steps[3].outputs[0] }]);
    expect(plan.values[plan.losses[0].value].shape).toEqual([]);
    expect(plan.symbols.N).toBe(16);
  });

  it('binds an optimizer node to the loss wired into it, with its hyperparameters, clipping and schedule', () => {
    const d = mlpDoc(8, {
      nodes: [
        ['opt', 'Adam', { lr: 0.05, beta1: 0.8, clip: 'norm', max_norm: 2 }],
        ['sched', 'StepLR', { step_size: 3, gamma: 0.5 }],
      ],
      edges: ['loss.output -> opt.loss', 'sched.lr -> opt.lr'],
    });
    const r = compileGraph(d, { catalog, symbols: { N: 4 } });
    if (!r.ok) throw r.errors[0];
    expect(r.plan.optimizers).toHaveLength(1);
    expect(r.plan.optimizers[0]).toMatchObject({
      node: 'node:opt',
      name: 'Adam',
      lossNode: 'node:loss',
      hyperparams: { lr: 0.05, betas: [0.8, 0.999] },
      clip: { maxNorm: 2, normType: 2 },
      scheduler: { node: 'node:sched', name: 'StepLR', params: { step_size: 3, gamma: 0.5 } },
    });
    expect(r.plan.optimizers[0].params).toHaveLength(4);
  });

  it('an optimizer with a parameter group updates only the layers it names', () => {
    const d = mlpDoc(8, {
      nodes: [['opt', 'SGD', { lr: 0.1, param_group: 'node:fc2' }]],
      edges: ['loss.output -> opt.loss'],
    });
    const r = compileGraph(d, { catalog, symbols: { N: 4 } });
    if (!r.ok) throw r.errors[0];
    expect(r.plan.optimizers[0].params).toEqual(['node:fc2/weight', 'node:fc2/bias']);
  });

  it('pins a shape error upstream of the loss to its node, with PyTorch’s message', () => {
    const d = mlpDoc();
    d.nodes.find((n) => n.id === 'node:fc2')!.params.in_features = 5;
    const r = compileGraph(d, { catalog, symbols: { N: 2 } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0].node).toBe('node:fc2');
    expect(r.errors[0].message).toContain('mat1 and mat2 shapes cannot be multiplied (Nx8 and 5x3)');
  });

  it('skips a broken side branch that no loss depends on', () => {
    const d = mlpDoc(8, {
      nodes: [['side', 'Linear', { in_features: 99, out_features: 2 }]],
      edges: ['relu.output -> side.input'],
    });
    const r = compileGraph(d, { catalog, symbols: { N: 2 } });
    expect(r.ok).toBe(true);
  });

  it('runs a plan: eval mode turns Dropout off, train mode varies its mask with the step seed', () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 64] }],
        ['drop', 'Dropout', { p: 0.5 }],
      ],
      ['x.output -> drop.input'],
    );
    const plan = compiler(d)({ N: 2 });
    expect(plan.steps[0].modal).toBe(true);
    const x = tensor(new Float32Array(128).fill(1), [2, 64]);
    const run = (mode: 'train' | 'eval', stepSeed: number) =>
      Array.from(
        executePlan(plan, {
          backend: cpuBackend,
          params: new Map(),
          feeds: new Map([['node:x#0', x]]),
          mode,
          stepSeed,
        })[plan.steps[0].outputs[0]].dataSync(),
      );
    expect(run('eval', 1).every((v) => v === 1)).toBe(true);
    const a = run('train', 1);
    expect(a.some((v) => v === 0) && a.some((v) => v === 2)).toBe(true);
    expect(run('train', 1)).toEqual(a);
    expect(run('train', 2)).not.toEqual(a);
  });

  it('keeps BatchNorm running statistics as buffers that only train mode updates', () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 3] }],
        ['bn', 'BatchNorm1d', { num_features: 3 }],
      ],
      ['x.output -> bn.input'],
    );
    const plan = compiler(d)({ N: 4 });
    const buffers = plan.params.filter((p) => !p.trainable).map((p) => p.key);
    expect(buffers).toEqual(['node:bn/running_mean', 'node:bn/running_var']);
    const updates = plan.steps.flatMap((s) => s.stateUpdates.map((u) => u.key));
    expect(updates.sort()).toEqual(['node:bn/running_mean', 'node:bn/running_var']);
  });
});

describe('parameters across recompiles', () => {
  it('keeps layers whose shapes did not change and re-initialises the rest, saying which', () => {
    const store = new ParamStore();
    const first = compiler(mlpDoc(8))({ N: 4 });
    expect(store.sync(first, 1).initialised).toHaveLength(4);
    const fc2Before = Float32Array.from(store.get('node:fc2/bias').data);
    const second = compiler(mlpDoc(16))({ N: 4 });
    const report = store.sync(second, 1);
    expect(report.kept).toEqual(['node:fc2/bias']);
    expect(report.initialised).toEqual(['node:fc1/weight', 'node:fc1/bias', 'node:fc2/weight']);
    expect(report.removed).toEqual([]);
    expect(store.get('node:fc2/bias').data).toEqual(fc2Before);
    expect(store.get('node:fc1/weight').shape).toEqual([16, 4]);
  });

  it('draws the same initial weights for the same seed and key, whatever else is in the graph', () => {
    const a = new ParamStore();
    const b = new ParamStore();
    a.sync(compiler(mlpDoc(8))({ N: 4 }), 3);
    b.sync(
      compiler(
        mlpDoc(8, {
          nodes: [['extra', 'Linear', { in_features: 8, out_features: 2 }]],
          edges: ['relu.output -> extra.input'],
        }),
      )({ N: 4 }),
      3,
    );
    expect(b.get('node:fc1/weight').data).toEqual(a.get('node:fc1/weight').data);
    const w = a.get('node:fc1/weight').data;
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.5); // U(±1/√4)
    expect(paramTensor(a.get('node:fc1/weight')).shape).toEqual([8, 4]);
  });
});
