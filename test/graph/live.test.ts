import { describe, expect, it } from 'vitest';
import {
  createNode,
  type Edit,
  evaluateDim,
  GraphStore,
  type LiveValue,
  LiveValues,
  type NodeId,
} from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';

const id = (s: string) => `node:${s}` as NodeId;

/** x [N, 8] → Linear(8, 4) → ReLU → CrossEntropyLoss(·, labels [N] int) */
function classifier(): GraphStore {
  const store = new GraphStore();
  const nodes = [
    createNode(catalog, 'Input', { id: id('x'), params: { shape: ['N', 8] } }),
    createNode(catalog, 'Linear', { id: id('fc'), params: { in_features: 8, out_features: 4 } }),
    createNode(catalog, 'ReLU', { id: id('act') }),
    createNode(catalog, 'Input', { id: id('labels'), params: { shape: ['N'], dtype: 'int32' } }),
    createNode(catalog, 'CrossEntropyLoss', { id: id('loss') }),
  ];
  const wire = (from: string, to: string, port: string): Edit => ({
    kind: 'connect',
    edge: { id: `edge:${from}-${to}`, from: { node: id(from), port: 'output' }, to: { node: id(to), port } },
  });
  const tx = store.apply([
    ...nodes.map((node): Edit => ({ kind: 'addNode', node })),
    wire('x', 'fc', 'input'),
    wire('fc', 'act', 'input'),
    wire('act', 'loss', 'input'),
    wire('labels', 'loss', 'target'),
  ]);
  if (tx instanceof Error) throw tx;
  return store;
}

const ok = (v: LiveValue | undefined) => {
  if (v?.status !== 'ok') throw new Error(`no value: ${v && 'reason' in v ? v.reason : 'none'}`);
  return v.outputs;
};

describe('live values', () => {
  it('evaluates symbolic dim expressions with sizes', () => {
    expect(evaluateDim('N*28', { N: 4 })).toBe(112);
    expect(evaluateDim('(H-3)/2+1', { H: 28 })).toBe(13);
    expect(() => evaluateDim('T', {})).toThrow("symbol 'T' has no size");
  });

  it('computes observed nodes on a sample batch (N from the options) and follows edits', () => {
    const store = classifier();
    const live = new LiveValues(store, { symbols: { N: 3 }, intHigh: 4 });
    const seen: LiveValue[] = [];
    live.value$(id('act')).subscribe((v) => seen.push(v));
    expect(ok(seen[0]).output.shape).toEqual([3, 4]);
    expect(Math.min(...ok(seen[0]).output.toArray())).toBe(0);
    store.apply({ kind: 'setParam', id: id('fc'), name: 'out_features', value: 6 });
    expect(seen).toHaveLength(2);
    expect(ok(seen[1]).output.shape).toEqual([3, 6]);
    // moving a node changes no value and emits nothing
    store.apply({ kind: 'move', id: id('fc'), position: { x: 1, y: 1 } });
    expect(seen).toHaveLength(2);
    live.dispose();
  });

  it('reports why a node has no value instead of throwing', () => {
    const store = classifier();
    store.apply({ kind: 'setParam', id: id('fc'), name: 'in_features', value: 9 });
    const live = new LiveValues(store);
    const v = live.valueOf(id('act'));
    expect(v.status).toBe('unavailable');
    expect('reason' in v && v.reason).toBe('unknown because of Linear (node:fc)');
  });

  it('runs a backward pass and emits each node’s gradient, stepwise or at once', () => {
    const store = classifier();
    const live = new LiveValues(store, { symbols: { N: 5 }, intHigh: 4 });
    const grads: unknown[] = [];
    live.grad$(id('fc')).subscribe((g) => grads.push(g));
    const backward = live.beginBackward(id('loss'));
    if ('status' in backward) throw new Error(backward.reason);
    const first = backward.next();
    expect(first?.op).toBe('cross_entropy');
    expect(first?.source).toBe(id('loss'));
    backward.run();
    const g = live.valueOf(id('fc'));
    expect(g.status).toBe('ok');
    const last = grads[grads.length - 1] as {
      outputs: Record<string, { shape: number[] }>;
      params: Record<string, { shape: number[] }>;
    };
    expect(last.outputs.output.shape).toEqual([5, 4]);
    expect(last.params.weight.shape).toEqual([4, 8]);
    expect(last.params.bias.shape).toEqual([4]);
  });
});

describe('live values inside composites', () => {
  /** The classifier with fc → act grouped into `block`, and a copy of it, `twin`, on the same input. */
  function grouped(): GraphStore {
    const store = classifier();
    const tx = store.apply({ kind: 'group', ids: [id('fc'), id('act')], compositeId: id('block') });
    if (tx instanceof Error) throw tx;
    const block = store.doc.nodes.find((n) => n.id === id('block'))!;
    const twin = { ...structuredClone(block), id: id('twin') };
    const added = store.apply([
      { kind: 'addNode', node: twin },
      {
        kind: 'connect',
        edge: {
          id: 'edge:x-twin',
          from: { node: id('x'), port: 'output' },
          to: { node: id('twin'), port: block.subgraph!.inputs[0].name },
        },
      },
    ]);
    if (added instanceof Error) throw added;
    return store;
  }

  it('gives an inner node its value by path, consistent with its neighbours and the composite', () => {
    const store = grouped();
    const live = new LiveValues(store, { symbols: { N: 3 } });
    const values: Record<string, LiveValue> = {};
    for (const path of ['node:block', 'node:block/node:fc', 'node:block/node:act'])
      live.value$(path).subscribe((v) => {
        values[path] = v;
      });
    const fc = ok(values['node:block/node:fc']).output;
    const act = ok(values['node:block/node:act']).output;
    expect(fc.shape).toEqual([3, 4]);
    expect(act.toArray()).toEqual(fc.toArray().map((v) => Math.max(v, 0)));
    expect(Object.values(ok(values['node:block']))[0].toArray()).toEqual(act.toArray());
    expect(values['node:block/node:gone']).toBeUndefined();
    let missing: LiveValue | undefined;
    live.value$('node:block/node:gone').subscribe((v) => {
      missing = v;
    });
    expect(missing).toMatchObject({ status: 'unavailable', reason: 'no node node:block/node:gone inside' });
  });

  it('gives two composites with the same inner ids their own weights, and follows edits inside', () => {
    const store = grouped();
    const live = new LiveValues(store, { symbols: { N: 3 } });
    const seen: LiveValue[] = [];
    let twin: LiveValue | undefined;
    live.value$('node:block/node:fc').subscribe((v) => seen.push(v));
    live.value$('node:twin/node:fc').subscribe((v) => {
      twin = v;
    });
    expect(ok(twin).output.toArray()).not.toEqual(ok(seen[0]).output.toArray());
    const edit = store.apply({
      kind: 'editInside',
      id: id('block'),
      edits: [{ kind: 'setParam', id: id('fc'), name: 'out_features', value: 6 }],
    });
    expect(edit).not.toBeInstanceOf(Error);
    expect(ok(seen.at(-1)).output.shape).toEqual([3, 6]);
  });
});
