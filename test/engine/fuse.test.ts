import { afterEach, describe, expect, it, vi } from 'vitest';
import { executePlan } from '../../src/engine/compile/execute.ts';
import { fuseLinearActivations } from '../../src/engine/compile/fuse.ts';
import type { Plan } from '../../src/engine/compile/plan.ts';
import { compareValues } from '../../src/engine/conformance/compare.ts';
import {
  AttrError,
  applyOp,
  type Backend,
  BackwardPass,
  cpuBackend,
  getOp,
  Rng,
  run,
  type Tensor,
  tensor,
} from '../../src/engine/index.ts';
import type { LinearActAttrs } from '../../src/engine/ops/linear_act.ts';
import { Trainer } from '../../src/engine/runtime/train.ts';
import { catalog } from '../../src/nodes/index.ts';
import { loadTemplateFile } from '../../src/templates/node-loader.ts';
import { compileGraph } from '../../src/training/compile.ts';
import { compilerFor } from '../../src/training/session.ts';
import { testBackends } from '../backends.ts';
import { blobsFeed, compiler, doc, mlpDoc, sgd } from '../training/helpers.ts';

const backends = await testBackends();

/** Each fusable activation as its registry op and attrs, and as the graph node that lowers to it. */
const ACTIVATIONS: { node: string; params?: Record<string, unknown>; attrs: Partial<LinearActAttrs> }[] = [
  { node: 'ReLU', attrs: { activation: 'relu' } },
  { node: 'GELU', attrs: { activation: 'gelu', approximate: 'none' } },
  { node: 'GELU', params: { approximate: 'tanh' }, attrs: { activation: 'gelu', approximate: 'tanh' } },
  { node: 'SiLU', attrs: { activation: 'silu' } },
  { node: 'Tanh', attrs: { activation: 'tanh' } },
  { node: 'Sigmoid', attrs: { activation: 'sigmoid' } },
];
const label = (a: (typeof ACTIVATIONS)[number]) => `${a.attrs.activation}${a.params ? ' (tanh form)' : ''}`;

/** The same numbers: bit for bit on the CPU (the same kernels run), within float32 rounding on WebGPU. */
function expectSame(what: string, got: ArrayLike<number>, want: ArrayLike<number>, backend: Backend) {
  if (backend === cpuBackend) expect(Array.from(got), what).toEqual(Array.from(want));
  else {
    const m = compareValues(what, got, want, { rtol: 1e-5, atol: 1e-6 });
    expect(m.ok, m.message).toBe(true);
  }
}

const values = async (t: Tensor | null) => Array.from(await t!.data());

describe('linear_act: the activation of a linear layer in one op', () => {
  const rng = new Rng(3);
  const random = (shape: readonly number[], backend: Backend) =>
    tensor(
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
      shape,
      'float32',
      backend,
    ).requireGrad();

  for (const backend of backends) {
    for (const a of ACTIVATIONS) {
      it.each([
        { x: [5, 7], bias: true },
        { x: [2, 3, 7], bias: false },
      ])(
        `${backend.name}: ${label(a)} of x $x (bias: $bias) gives the unfused values and gradients`,
        async ({ x: xShape, bias }) => {
          const x = random(xShape, backend);
          const w = random([6, 7], backend);
          const b = bias ? random([6], backend) : null;
          const activationAttrs = a.attrs.activation === 'gelu' ? { approximate: a.attrs.approximate } : {};
          const [unfused] = applyOp(getOp(a.attrs.activation!), [run('linear', [x, w, b])], activationAttrs);
          const fused = run('linear_act', [x, w, b], a.attrs);
          expect(fused.shape).toEqual(unfused.shape);
          expectSame('forward', await values(fused), await values(unfused), backend);
          // the same upstream gradient into both: a weighted sum, so every element gets its own
          const weights = random(unfused.shape, backend);
          const gradsOf = async (y: Tensor) => {
            for (const t of [x, w, b]) t?.zeroGrad();
            new BackwardPass(run('sum', [run('mul', [y, weights])])).run();
            return Promise.all([values(x.grad), values(w.grad), b ? values(b.grad) : []]);
          };
          const [want, got] = [await gradsOf(unfused), await gradsOf(fused)];
          ['dx', 'dW', 'db'].forEach((what, i) => expectSame(what, got[i], want[i], backend));
        },
      );
    }
  }

  afterEach(() => vi.restoreAllMocks());

  it('keeps no pre-activation for relu, tanh or sigmoid and recomputes it only for gelu and silu', () => {
    const linearForward = getOp('linear').forward!;
    for (const [activation, recomputes] of [
      ['relu', 0],
      ['tanh', 0],
      ['sigmoid', 0],
      ['gelu', 1],
      ['silu', 1],
    ] as const) {
      const x = random([4, 3], cpuBackend);
      const w = random([5, 3], cpuBackend);
      const y = run('linear_act', [x, w, null], { activation });
      // the tape holds the fused op alone: no pre-activation tensor was made
      expect(y.creator?.node.op).toBe('linear_act');
      expect(y.creator?.node.outputs).toEqual([y]);
      const spy = vi.spyOn(linearForward, 'cpu');
      new BackwardPass(run('sum', [y])).run();
      expect(spy, activation).toHaveBeenCalledTimes(recomputes);
      spy.mockRestore();
    }
  });

  for (const backend of backends) {
    it(`${backend.name}: with activation none it is linear, values and gradients`, async () => {
      const [x, w, b] = [random([3, 4], backend), random([2, 4], backend), random([2], backend)];
      const gradsOf = async (y: Tensor) => {
        for (const t of [x, w, b]) t.zeroGrad();
        new BackwardPass(run('sum', [run('mul', [y, y])])).run();
        return Promise.all([values(y), values(x.grad), values(w.grad), values(b.grad)]);
      };
      const want = await gradsOf(run('linear', [x, w, b]));
      const got = await gradsOf(run('linear_act', [x, w, b]));
      ['y', 'dx', 'dW', 'db'].forEach((what, i) => expectSame(what, got[i], want[i], backend));
    });
  }

  it('names the op and the attr when the activation is not one it can fuse', () => {
    const x = random([2, 3], cpuBackend);
    const w = random([4, 3], cpuBackend);
    expect(() => run('linear_act', [x, w, null], { activation: 'elu' as 'relu' })).toThrow(AttrError);
    expect(() => run('linear_act', [x, w, null], { activation: 'elu' as 'relu' })).toThrow(
      /linear_act: activation must be one of none, relu, gelu, silu, tanh, sigmoid, got "elu"/,
    );
  });
});

/** x [N, 6] → fc1 → act → fc2 → cross-entropy ← y, with extra nodes and edges. */
function actDoc(
  type: string,
  params: Record<string, unknown> = {},
  extra: string[] = [],
  nodes: [string, string][] = [],
) {
  return doc(
    [
      ['x', 'Input', { shape: ['N', 6], dtype: 'float32' }],
      ['y', 'Input', { shape: ['N'], dtype: 'int32' }],
      ['fc1', 'Linear', { in_features: 6, out_features: 8 }],
      ['act', type, params],
      ['fc2', 'Linear', { in_features: 8, out_features: 3 }],
      ['loss', 'CrossEntropyLoss'],
      ...nodes,
    ],
    [
      'x.output -> fc1.input',
      'fc1.output -> act.input',
      'act.output -> fc2.input',
      'fc2.output -> loss.input',
      'y.output -> loss.target',
      ...extra,
    ],
  );
}

function compileDoc(d: ReturnType<typeof doc>, fuse: boolean, N = 5): Plan {
  const r = compileGraph(d, { catalog, symbols: { N }, fuse });
  if (!r.ok) throw r.errors[0];
  return r.plan;
}

describe('the fuse pass over compiled plans', () => {
  it('turns the MLP template (784-128-64-10, ReLU) into 2 fused steps and the output layer', () => {
    const r = loadTemplateFile('mnist_mlp', catalog);
    if (!r.ok) throw new Error('mnist_mlp does not load');
    const plan = compileDoc(r.template.doc, true, 4);
    const layers = plan.steps.filter((s) => s.op.startsWith('linear'));
    expect(layers.map((s) => [s.op, s.source, s.attrs.activation])).toEqual([
      ['linear_act', 'node:fc1', 'relu'],
      ['linear_act', 'node:fc2', 'relu'],
      ['linear', 'node:fc3', undefined],
    ]);
    expect(plan.steps.some((s) => s.op === 'relu')).toBe(false);
    expect(layers.map((s) => plan.values[s.outputs[0]].shape)).toEqual([
      [4, 128],
      [4, 64],
      [4, 10],
    ]);
  });

  it('is off unless asked for: exporters and the lowering tests read node-by-node steps', () => {
    expect(compileDoc(mlpDoc(), false).steps.map((s) => s.op)).toEqual([
      'linear',
      'relu',
      'linear',
      'cross_entropy',
    ]);
  });

  it('keeps the activation node output and drops the Linear own output key, whose value is computed inside', () => {
    const plan = compileDoc(actDoc('ReLU'), true);
    const fused = plan.steps[0];
    expect(fused.op).toBe('linear_act');
    expect(plan.outputs.get('node:act:output')).toBe(fused.outputs[0]);
    expect(plan.values[fused.outputs[0]].origin).toEqual({ kind: 'op', step: 0, output: 0 });
    expect(plan.outputs.has('node:fc1:output')).toBe(false);
    expect(plan.values.filter((v) => v.origin.kind === 'fused')).toHaveLength(1);
    // later steps were renumbered with their values
    plan.steps.forEach((s, i) =>
      s.outputs.forEach((v, k) => expect(plan.values[v].origin).toEqual({ kind: 'op', step: i, output: k })),
    );
    expect(plan.losses[0].value).toBe(plan.steps.at(-1)!.outputs[0]);
  });

  it('leaves a Linear unfused when a Probe reads it, a second node uses it, or its activation is not fusable', () => {
    const probed = compileDoc(actDoc('ReLU', {}, ['fc1.output -> probe.input'], [['probe', 'Probe']]), true);
    const shared = compileDoc(actDoc('ReLU', {}, ['fc1.output -> relu2.input'], [['relu2', 'ReLU']]), true);
    const leaky = compileDoc(actDoc('LeakyReLU'), true);
    for (const plan of [probed, shared, leaky]) {
      expect(plan.steps[0].op).toBe('linear');
      expect(plan.outputs.has('node:fc1:output')).toBe(true);
    }
    expect(probed.outputs.get('node:probe:output')).toBe(probed.steps[0].outputs[0]);
  });

  it('reports what it fused and does nothing to a plan with nothing to fuse', () => {
    const plan = compileDoc(actDoc('GELU', { approximate: 'tanh' }), false);
    expect(fuseLinearActivations(plan)).toEqual([{ linear: 'node:fc1', activation: 'node:act', op: 'gelu' }]);
    expect(plan.steps[0].attrs).toEqual({ activation: 'gelu', approximate: 'tanh' });
    const steps = plan.steps.map((s) => s.op);
    expect(fuseLinearActivations(plan)).toEqual([]);
    expect(plan.steps.map((s) => s.op)).toEqual(steps);
  });

  for (const backend of backends) {
    for (const a of ACTIVATIONS) {
      it(`${backend.name}: a fused and an unfused plan give the same loss, activations and gradients (${label(a)})`, async () => {
        const d = actDoc(a.node, a.params);
        const [unfused, fused] = [compileDoc(d, false), compileDoc(d, true)];
        expect(fused.steps[0]).toMatchObject({ op: 'linear_act', attrs: a.attrs });
        const rng = new Rng(11);
        const paramData = unfused.params.map((p) =>
          Array.from({ length: p.shape.reduce((x, y) => x * y, 1) }, () => rng.normal()),
        );
        const xData = Array.from({ length: 30 }, () => rng.normal() * 2);
        const yData = [0, 1, 2, 1, 0];
        const runPlan = async (plan: Plan) => {
          const params = new Map(
            plan.params.map((p, i) => [
              p.key,
              tensor(paramData[i], p.shape, 'float32', backend).requireGrad(),
            ]),
          );
          const feeds = new Map([
            ['node:x#0', tensor(xData, [5, 6], 'float32', backend)],
            ['node:y#0', tensor(yData, [5], 'int32', backend)],
          ]);
          const out = executePlan(plan, { backend, params, feeds, mode: 'train' });
          new BackwardPass(out[plan.losses[0].value]).run();
          return {
            loss: await values(out[plan.losses[0].value]),
            act: await values(out[plan.outputs.get('node:act:output')!]),
            grads: await Promise.all([...params.values()].map((t) => values(t.grad))),
          };
        };
        const [want, got] = [await runPlan(unfused), await runPlan(fused)];
        expectSame('loss', got.loss, want.loss, backend);
        expectSame('activation output', got.act, want.act, backend);
        got.grads.forEach((g, i) => expectSame(`grad ${unfused.params[i].key}`, g, want.grads[i], backend));
      });
    }

    it(`${backend.name}: the training session's fused plans train as the unfused ones do`, async () => {
      const trainerOf = (compile: ReturnType<typeof compiler>) =>
        new Trainer(compile, blobsFeed(), backend, { batchSize: 16, epochs: 5, seed: 7, optimizer: sgd });
      const fused = trainerOf(compilerFor(mlpDoc(), catalog));
      const unfused = trainerOf(compiler(mlpDoc()));
      expect(fused.plan.steps.map((s) => s.op)).toEqual(['linear_act', 'linear', 'cross_entropy']);
      for (let k = 0; k < 6; k++) {
        const [a, b] = [await fused.trainStep(), await unfused.trainStep()];
        if (!a.ok || !b.ok) throw new Error(`step ${k} did not complete`);
        expectSame(`loss at step ${k}`, [a.metrics.loss], [b.metrics.loss], backend);
      }
    });
  }
});
