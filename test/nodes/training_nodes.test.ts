import { describe, expect, it } from 'vitest';
import { allFamilies } from '../../src/cli/families.ts';
import { optimizerDefs, schedulerDefs } from '../../src/engine/runtime/index.ts';
import { createNode, EditError, GraphStore, type NodeId } from '../../src/graph/index.ts';
import { runOptimizerCaseThroughNodes } from '../../src/nodes/conformance/optimizers.ts';
import { runSchedulerCaseThroughNodes } from '../../src/nodes/conformance/schedulers.ts';
import { catalog } from '../../src/nodes/index.ts';
import { isOptimizerNode } from '../../src/nodes/optimizers/optimizers.ts';
import { parameterGroup } from '../../src/nodes/optimizers/param_group.ts';
import { defaultParams } from '../../src/nodes/params.ts';
import { isSchedulerNode } from '../../src/nodes/schedulers/schedulers.ts';
import { concrete } from './harness.ts';

const edge = (id: string, from: string, fromPort: string, to: string, toPort: string) => ({
  kind: 'connect' as const,
  edge: {
    id: `edge:${id}` as const,
    from: { node: from as NodeId, port: fromPort },
    to: { node: to as NodeId, port: toPort },
  },
});

const optimizer = (type: string) => {
  const def = catalog.get(type);
  if (!isOptimizerNode(def)) throw new Error(`${type} is not an optimizer node`);
  return def;
};
const scheduler = (type: string) => {
  const def = catalog.get(type);
  if (!isSchedulerNode(def)) throw new Error(`${type} is not a scheduler node`);
  return def;
};

describe('optimizer and scheduler node types', () => {
  it('exist for every optimizer and scheduler of the runtime tables, with params generated from them', () => {
    for (const [name, table] of Object.entries(optimizerDefs)) {
      const def = optimizer(name);
      for (const [hyper, spec] of Object.entries(table.hyperparams)) {
        if (spec.kind === 'tuple') expect(def.params.beta1.default).toBe(spec.default[0]);
        else expect(def.params[hyper]?.default, `${name}.${hyper}`).toEqual(spec.default);
      }
      expect(def.optimizer.hyperparams(defaultParams(def.params))).toEqual(
        Object.fromEntries(Object.entries(table.hyperparams).map(([k, s]) => [k, s.default])),
      );
    }
    for (const name of Object.keys(schedulerDefs))
      expect(isSchedulerNode(catalog.get(name)), name).toBe(true);
  });

  it('check params against the runtime’s ranges and rules, naming the param', () => {
    expect(optimizer('Adam').params.beta2.check(1)).toBe('expected a number in [0, 1), got 1');
    expect(optimizer('SGD').params.lr.check(-0.1)).toBe('expected a number ≥ 0, got -0.1');
    const nesterov = optimizer('SGD').infer(
      [{ dtype: 'float32', dims: [] }, null],
      { ...defaultParams(optimizer('SGD').params), nesterov: true } as never,
      concrete,
    );
    expect(nesterov[0]).toMatchObject({ severity: 'error', code: 'invalid_param' });
    expect('message' in nesterov[0] && nesterov[0].message).toMatch(/nesterov/);
  });

  it('wire a loss into an optimizer and a schedule into its lr port; other kinds are refused', () => {
    const store = new GraphStore();
    const tx = store.apply([
      { kind: 'addNode', node: createNode(catalog, 'Input', { id: 'node:x', params: { shape: ['N', 4] } }) },
      { kind: 'addNode', node: createNode(catalog, 'Input', { id: 'node:y', params: { shape: ['N', 2] } }) },
      {
        kind: 'addNode',
        node: createNode(catalog, 'Linear', { id: 'node:fc', params: { in_features: 4, out_features: 2 } }),
      },
      { kind: 'addNode', node: createNode(catalog, 'MSELoss', { id: 'node:loss' }) },
      {
        kind: 'addNode',
        node: createNode(catalog, 'AdamW', { id: 'node:opt', params: { clip: 'norm', param_group: 'fc' } }),
      },
      { kind: 'addNode', node: createNode(catalog, 'LinearLR', { id: 'node:warmup' }) },
      { kind: 'addNode', node: createNode(catalog, 'CosineAnnealingLR', { id: 'node:cos' }) },
      { kind: 'addNode', node: createNode(catalog, 'SequentialLR', { id: 'node:seq' }) },
      edge('1', 'node:x', 'output', 'node:fc', 'input'),
      edge('2', 'node:fc', 'output', 'node:loss', 'input'),
      edge('3', 'node:y', 'output', 'node:loss', 'target'),
      edge('4', 'node:loss', 'output', 'node:opt', 'loss'),
      edge('5', 'node:warmup', 'lr', 'node:seq', 'first'),
      edge('6', 'node:cos', 'lr', 'node:seq', 'second'),
      edge('7', 'node:seq', 'lr', 'node:opt', 'lr'),
    ]);
    expect(tx).not.toBeInstanceOf(Error);
    for (const id of ['node:loss', 'node:opt', 'node:seq'])
      expect(store.typeOf(id as NodeId)?.status, id).toBe('ok');
    const wrong = store.apply([edge('8', 'node:cos', 'lr', 'node:fc', 'input')]);
    expect(wrong).toBeInstanceOf(EditError);
    expect((wrong as EditError).code).toBe('port_kind');
  });

  it('refuse a loss that is not a scalar', () => {
    const result = optimizer('SGD').infer(
      [{ dtype: 'float32', dims: ['N'] }, null],
      defaultParams(optimizer('SGD').params) as never,
      concrete,
    );
    expect(result[0]).toMatchObject({ severity: 'error', code: 'loss_shape', port: 'loss' });
  });

  it('clip gradients by norm or by value before stepping, within the parameter group', () => {
    const adam = optimizer('SGD');
    const params = { ...defaultParams(adam.params), lr: 1, clip: 'norm', max_norm: 1 };
    const p = [{ name: 'fc.weight', shape: [2], data: new Float32Array([0, 0]) }];
    const opt = adam.optimizer.create(p, params);
    adam.optimizer.step(opt, p, [new Float32Array([3, 4])], params);
    // the gradient (3, 4) has norm 5: clipped to norm 1, then p ← p − lr·g
    expect(Array.from(p[0].data)).toEqual([expect.closeTo(-0.6, 5), expect.closeTo(-0.8, 5)]);
    const byValue = { ...params, clip: 'value', clip_value: 0.5 };
    const g = [new Float32Array([3, -4, 0.1])];
    adam.optimizer.clip(g, byValue);
    expect(Array.from(g[0])).toEqual([0.5, -0.5, expect.closeTo(0.1, 6)]);
    expect(adam.optimizer.selects('fc.weight', { param_group: 'fc, conv*' })).toBe(true);
    expect(adam.optimizer.selects('node:conv2/bias', { param_group: 'fc, node:conv*' })).toBe(true);
    expect(adam.optimizer.selects('head.weight', { param_group: 'fc, conv*' })).toBe(false);
    expect(parameterGroup('')('anything')).toBe(true);
  });

  it('plan the lr curve the editor plots, to the end of a one-cycle schedule', () => {
    const step = scheduler('StepLR');
    const plan = step.schedule.plan({ ...defaultParams(step.params), step_size: 2, gamma: 0.5 }, 5, {
      lr: 1,
    });
    expect(plan.lrs).toEqual([1, 1, 0.5, 0.5, 0.25]);
    const cycle = scheduler('OneCycleLR');
    const q = defaultParams(cycle.params);
    expect(cycle.schedule.lastStep(q)).toBe(100);
    const curve = cycle.schedule.plan(q, 100);
    expect(Math.max(...curve.lrs)).toBeCloseTo(0.1, 6);
    expect(curve.momentums?.length).toBe(100);
    const seq = scheduler('SequentialLR');
    const chained = [
      scheduler('LinearLR').schedule.config({ start_factor: 0.5, end_factor: 1, total_iters: 2 }),
      scheduler('ExponentialLR').schedule.config({ gamma: 0.5 }),
    ];
    expect(seq.schedule.plan({ milestones: [2] }, 5, { lr: 1 }, chained).lrs).toEqual([
      0.5, 0.75, 1, 0.5, 0.25,
    ]);
  });

  it('SequentialLR names milestones when they do not fit the chained schedulers', () => {
    const seq = scheduler('SequentialLR');
    const issues = seq.infer(
      [{ dtype: 'float32', dims: [] }, { dtype: 'float32', dims: [] }, { dtype: 'float32', dims: [] }, null],
      { milestones: [5] } as never,
      concrete,
    );
    expect('message' in issues[0] && issues[0].message).toBe(
      'SequentialLR: milestones must be a list of 2 step(s), one fewer than the 3 chained schedulers, got [5]',
    );
  });

  it('run the optimizers and schedulers reference families (conformance goes through these nodes)', () => {
    expect(allFamilies.optimizers).toBe(runOptimizerCaseThroughNodes);
    expect(allFamilies.schedulers).not.toBe(undefined);
    expect(
      runSchedulerCaseThroughNodes({
        id: 'x',
        scheduler: 'NoSuchLR',
        params: {},
        optimizer: { name: 'SGD' },
        lrs: [],
      }),
    ).toMatchObject({ ok: false, unsupported: true });
  });
});
