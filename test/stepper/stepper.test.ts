import { describe, expect, it } from 'vitest';
import { COMPOSITE_TYPE, type GraphDocument } from '../../src/graph/index.ts';
import { type BackwardStepper, createStepper, StepperError, type StepView } from '../../src/graph/stepper.ts';
import { branchingDocument, id, mlpDocument, studyCases, studyCatalog } from './graphs.ts';
import { close, mlpBackprop } from './manual.ts';

function stepper(doc: GraphDocument, options: Parameters<typeof createStepper>[2] = {}): BackwardStepper {
  const s = createStepper(doc, studyCatalog, options);
  if (s instanceof StepperError) throw s;
  return s;
}

const valuesOf = (view: StepView, name: string) => {
  const hit = view.forward.find((f) => f.name === name);
  if (!hit) throw new Error(`step ${view.index} shows no ${name}`);
  return hit.value.values;
};
const producedOf = (view: StepView, name: string) => {
  const hit = view.produced.find((p) => p.name === name);
  if (!hit) throw new Error(`step ${view.index} (${view.op}) produces no d${name}`);
  return hit.grad.values;
};

describe('backward stepper on a 2-layer MLP with softmax-cross-entropy', () => {
  const s = stepper(mlpDocument(), { intHigh: 3 });
  const views = s.all();
  const byNode = (name: string) => views.find((v) => v.node === id(name) && v.index >= 0)!;

  it('starts at the loss with ∂L/∂L = 1, then visits each node once, loss first', () => {
    expect(views[0]).toMatchObject({ index: -1, node: id('loss') });
    expect(views[0].upstream[0].values).toEqual([1]);
    expect(views.slice(1).map((v) => v.node)).toEqual([id('loss'), id('fc2'), id('relu'), id('fc1')]);
    expect(views.slice(1).map((v) => v.op)).toEqual(['cross_entropy', 'linear', 'relu', 'linear']);
  });

  it('shows at every step what the manual formulas give', () => {
    const fc1 = byNode('fc1');
    const fc2 = byNode('fc2');
    const loss = byNode('loss');
    const manual = mlpBackprop({
      x: valuesOf(fc1, 'input'),
      y: valuesOf(loss, 'target'),
      W1: valuesOf(fc1, 'weight'),
      b1: valuesOf(fc1, 'bias'),
      W2: valuesOf(fc2, 'weight'),
      b2: valuesOf(fc2, 'bias'),
      N: 4,
      D: 4,
      H: 5,
      C: 3,
    });
    expect(s.lossValue).toBeCloseTo(manual.loss, 5);
    expect(loss.rule).toBe('∂L/∂z = (softmax(z) − onehot(y)) / N');
    expect(close(producedOf(loss, 'input'), manual.delta)).toBe(true);

    expect(fc2.rule).toBe('dW = δᵀx, db = Σδ, dx = δW');
    expect(close(fc2.upstream[0].values, manual.delta)).toBe(true);
    expect(close(producedOf(fc2, 'weight'), manual.dW2)).toBe(true);
    expect(close(producedOf(fc2, 'bias'), manual.db2)).toBe(true);
    expect(close(producedOf(fc2, 'x'), manual.dh)).toBe(true);

    const relu = byNode('relu');
    expect(relu.mask?.values).toEqual(manual.mask);
    expect(close(producedOf(relu, 'x'), manual.dA)).toBe(true);

    expect(close(fc1.upstream[0].values, manual.dA)).toBe(true);
    expect(close(producedOf(fc1, 'weight'), manual.dW1)).toBe(true);
    expect(close(producedOf(fc1, 'bias'), manual.db1)).toBe(true);
    expect(close(producedOf(fc1, 'x'), manual.dx)).toBe(true);
  });

  it('names where each gradient goes in the graph’s terms', () => {
    const fc2 = byNode('fc2');
    expect(fc2.produced.map((p) => p.target)).toEqual([
      {
        kind: 'input',
        node: id('fc2'),
        port: 'input',
        from: { node: id('relu'), port: 'output' },
        edges: ['edge:relu-fc2-input'],
      },
      { kind: 'param', node: id('fc2'), name: 'weight' },
      { kind: 'param', node: id('fc2'), name: 'bias' },
    ]);
  });

  it('colours only the edges traversed so far, by the norm of their gradient', () => {
    expect(views[0].edgeNorms).toEqual({});
    const afterLoss = views[1].edgeNorms;
    expect(Object.keys(afterLoss)).toEqual(['edge:fc2-loss-input']);
    const delta = views[1].produced[0].grad.values;
    expect(afterLoss['edge:fc2-loss-input']).toBeCloseTo(Math.hypot(...delta), 6);
    expect(Object.keys(views[4].edgeNorms).sort()).toEqual(
      ['edge:fc1-relu-input', 'edge:fc2-loss-input', 'edge:relu-fc2-input', 'edge:x-fc1-input'].sort(),
    );
  });

  it('restores the earlier view exactly when stepping back', () => {
    const t = stepper(mlpDocument(), { intHigh: 3 });
    const forward = [t.view(), t.next(), t.next(), t.next(), t.next()];
    const copies = forward.map((v) => structuredClone(v));
    expect(t.next().index).toBe(3); // stays at the last step
    const back = [t.goTo(3), t.previous(), t.previous(), t.previous(), t.previous()].reverse();
    expect(back).toEqual(copies);
    expect(t.previous().index).toBe(-1);
  });
});

describe('the study notes’ autograd cases, stepped', () => {
  for (const c of studyCases()) {
    it(`${c.name} gives ${JSON.stringify(c.expected)}`, () => {
      const s = stepper(c.doc, { feeds: c.feeds });
      const views = s.all();
      const intoX = views.flatMap((v) =>
        v.accumulations.filter((a) => a.target.kind === 'input' && a.target.from?.node === id('x')),
      );
      const last = intoX[intoX.length - 1];
      expect(last.total.values).toEqual(c.expected);
      expect(last.total.shape).toEqual(c.doc.nodes[0].params.shape);
    });
  }

  it('the branching case shows both paths’ contributions, 3 and 4, summed into 7', () => {
    const s = stepper(branchingDocument(), { feeds: { [id('x')]: [2] } });
    const intoX = s
      .all()
      .flatMap((v) =>
        v.accumulations.filter((a) => a.target.kind === 'input' && a.target.from?.node === id('x')),
      );
    expect(intoX.map((a) => a.contributions.length)).toEqual([1, 2]);
    const both = intoX[1];
    expect(both.contributions.map((c) => c.values[0]).sort()).toEqual([3, 4]);
    expect(both.total.values).toEqual([7]);
    // each path's edge carries its own contribution
    const final = s.goTo(s.total - 1).edgeNorms;
    expect(final['edge:x-sq-input']).toBe(4);
    expect(final['edge:x-lin-b']).toBe(3);
  });
});

describe('stepping into and over composites', () => {
  function compositeMlp(): GraphDocument {
    const doc = mlpDocument();
    const inner = doc.nodes.filter((n) => n.id === id('fc1') || n.id === id('relu'));
    doc.nodes = [
      ...doc.nodes.filter((n) => !inner.includes(n)),
      {
        id: id('block'),
        type: COMPOSITE_TYPE,
        params: {},
        position: { x: 0, y: 0 },
        label: 'Block',
        subgraph: {
          nodes: inner,
          edges: doc.edges.filter((e) => e.id === 'edge:fc1-relu-input'),
          inputs: [{ name: 'in', node: id('fc1'), port: 'input' }],
          outputs: [{ name: 'out', node: id('relu'), port: 'output' }],
        },
      },
    ];
    doc.edges = [
      { id: 'edge:x-block', from: { node: id('x'), port: 'output' }, to: { node: id('block'), port: 'in' } },
      {
        id: 'edge:block-fc2',
        from: { node: id('block'), port: 'out' },
        to: { node: id('fc2'), port: 'input' },
      },
      ...doc.edges.filter((e) => e.id === 'edge:fc2-loss-input' || e.id === 'edge:y-loss-target'),
    ];
    return doc;
  }

  it('steps into the composite one op at a time, or over it in one go', () => {
    const s = stepper(compositeMlp(), { intHigh: 3 });
    const into = s.all().slice(1);
    expect(into.map((v) => v.path)).toEqual([
      [id('loss')],
      [id('fc2')],
      [id('block'), id('relu')],
      [id('block'), id('fc1')],
    ]);
    expect(into[2].group).toEqual({ first: 2, last: 3 });
    s.goTo(-1);
    const over = [s.nextOver(), s.nextOver(), s.nextOver()].map((v) => v.index);
    expect(over).toEqual([0, 1, 2]);
    expect(s.nextOver().index).toBe(3); // the last step stays put
    expect(s.previousOver().index).toBe(1);
    // the gradient entering the composite lands on the composite's incoming edge
    expect(Object.keys(into[3].edgeNorms)).toContain('edge:x-block');
  });
});

describe('errors', () => {
  it('names the node where the forward pass stopped', () => {
    const doc = mlpDocument();
    doc.nodes = doc.nodes.map((n) =>
      n.id === id('fc2') ? { ...n, params: { ...n.params, in_features: 7 } } : n,
    );
    const s = createStepper(doc, studyCatalog);
    expect(s).toBeInstanceOf(StepperError);
    expect(s).toMatchObject({ code: 'forward_failed', nodeId: id('fc2') });
    expect((s as StepperError).message).toContain('mat1 and mat2 shapes cannot be multiplied (4x5 and 7x3)');
  });

  it('refuses a loss that is not one number', () => {
    const doc = mlpDocument();
    const s = createStepper(doc, studyCatalog, { loss: id('fc2') });
    expect(s).toMatchObject({ code: 'not_scalar', nodeId: id('fc2') });
  });
});
