import { describe, expect, it } from 'vitest';
import { createNode, type Edit, GraphStore, type NodeId } from '../../src/graph/index.ts';
import { catalog, type ParamValue } from '../../src/nodes/index.ts';

const id = (s: string) => `node:${s}` as NodeId;

/** A store holding a chain of [type, params] nodes wired output → first input. */
function chain(...specs: [string, string, Record<string, ParamValue>?][]): GraphStore {
  const store = new GraphStore();
  const edits: Edit[] = specs.map(([name, type, params]) => ({
    kind: 'addNode',
    node: createNode(catalog, type, { id: id(name), params }),
  }));
  for (let i = 1; i < specs.length; i++) {
    const port = catalog.get(specs[i][1])?.inputs[0].name as string;
    edits.push({
      kind: 'connect',
      edge: {
        id: `edge:${i}`,
        from: { node: id(specs[i - 1][0]), port: 'output' },
        to: { node: id(specs[i][0]), port },
      },
    });
  }
  const tx = store.apply(edits);
  if (tx instanceof Error) throw tx;
  return store;
}

/** Two Inputs into a binary node on ports a and b. */
function binary(type: string, a: ParamValue, b: ParamValue): GraphStore {
  const store = chain(['a', 'Input', { shape: a }]);
  store.apply([
    { kind: 'addNode', node: createNode(catalog, 'Input', { id: id('b'), params: { shape: b } }) },
    { kind: 'addNode', node: createNode(catalog, type, { id: id('op') }) },
    {
      kind: 'connect',
      edge: { id: 'edge:a', from: { node: id('a'), port: 'output' }, to: { node: id('op'), port: 'a' } },
    },
    {
      kind: 'connect',
      edge: { id: 'edge:b', from: { node: id('b'), port: 'output' }, to: { node: id('op'), port: 'b' } },
    },
  ]);
  return store;
}

function applyFix(store: GraphStore, node: string, label: string) {
  const fix = store
    .typeOf(id(node))
    ?.diagnostics.flatMap((d) => d.fixes)
    .find((f) => f.label === label);
  if (!fix) throw new Error(`no fix '${label}' on ${node}`);
  const before = store.doc;
  const tx = store.apply(fix.edits, { label: fix.label });
  if (tx instanceof Error) throw tx;
  return before;
}

describe('fixes are real undoable edits', () => {
  it('sets in_features to the incoming dim', () => {
    const store = chain(
      ['x', 'Input', { shape: ['N', 20] }],
      ['fc', 'Linear', { in_features: 784, out_features: 5 }],
    );
    const d = store.typeOf(id('fc'))?.diagnostics[0];
    expect(d?.message).toBe('mat1 and mat2 shapes cannot be multiplied (Nx20 and 784x5)');
    expect(d?.edgeId).toBe('edge:1');
    const before = applyFix(store, 'fc', 'Set in_features to 20');
    expect(store.typeOf(id('fc'))?.outputs.output?.dims).toEqual(['N', 5]);
    store.undo();
    expect(store.doc).toEqual(before);
  });

  it('inserts a Flatten before a Linear fed by an image batch', () => {
    const store = chain(
      ['x', 'Input', { shape: ['N', 1, 28, 28] }],
      ['fc', 'Linear', { in_features: 784, out_features: 10 }],
    );
    const before = applyFix(store, 'fc', 'Insert Flatten before this Linear');
    expect(store.doc.nodes.map((n) => n.type)).toEqual(['Input', 'Linear', 'Flatten']);
    expect(store.typeOf(id('fc'))?.outputs.output?.dims).toEqual(['N', 10]);
    store.undo();
    expect(store.doc).toEqual(before);
  });

  it('sets in_channels of a Conv2d to the incoming channels', () => {
    const store = chain(
      ['x', 'Input', { shape: [2, 3, 32, 32] }],
      ['conv', 'Conv2d', { in_channels: 1, out_channels: 16 }],
    );
    expect(store.typeOf(id('conv'))?.diagnostics[0].message).toBe(
      'Given groups=1, weight of size [16, 1, 3, 3], expected input[2, 3, 32, 32] to have 1 channels, but got 3 channels instead',
    );
    applyFix(store, 'conv', 'Set in_channels to 3');
    expect(store.typeOf(id('conv'))?.outputs.output?.dims).toEqual([2, 16, 30, 30]);
  });

  it('unsqueezes an operand that cannot broadcast', () => {
    const store = binary('Add', [2, 3], [2]);
    expect(store.typeOf(id('op'))?.diagnostics[0].message).toBe(
      'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1',
    );
    applyFix(store, 'op', 'Unsqueeze b to [2, 1]');
    expect(store.typeOf(id('op'))?.outputs.output?.dims).toEqual([2, 3]);
  });

  it('warns when broadcasting only works by binding a symbol, and offers the unsqueeze', () => {
    const store = binary('Sub', ['N', 10], ['N']);
    const [d] = store.typeOf(id('op'))?.diagnostics ?? [];
    expect(d).toMatchObject({ severity: 'warning', code: 'broadcast_binds_symbol', edgeId: 'edge:b' });
    expect(d.message).toBe('broadcasting [N, 10] with [N] binds N to 10');
    expect(d.fixes.map((f) => f.label)).toEqual(['Unsqueeze b to [N, 1]']);
    applyFix(store, 'op', 'Unsqueeze b to [N, 1]');
    expect(store.typeOf(id('op'))).toMatchObject({ status: 'ok', outputs: { output: { dims: ['N', 10] } } });
    expect(store.bindings.has('N')).toBe(false);
  });

  it('offers to undo the (N) − (N,1) trap by unsqueezing the vector or reshaping the column', () => {
    const unsqueeze = binary('Sub', [3], [3, 1]);
    const labels = unsqueeze.typeOf(id('op'))?.diagnostics[0].fixes.map((f) => f.label);
    expect(labels).toEqual([
      'Unsqueeze a to [3, 1] (elementwise, no N×N)',
      'Reshape b to [3] (elementwise, no N×N)',
    ]);
    applyFix(unsqueeze, 'op', 'Unsqueeze a to [3, 1] (elementwise, no N×N)');
    expect(unsqueeze.typeOf(id('op'))).toMatchObject({ status: 'ok', outputs: { output: { dims: [3, 1] } } });
    const reshape = binary('Sub', [3], [3, 1]);
    applyFix(reshape, 'op', 'Reshape b to [3] (elementwise, no N×N)');
    expect(reshape.typeOf(id('op'))).toMatchObject({ status: 'ok', outputs: { output: { dims: [3] } } });
  });

  it('swaps the operands of a matmul, or transposes b', () => {
    const swap = binary('MatMul', [5, 3], [4, 5]);
    expect(swap.typeOf(id('op'))?.diagnostics[0].message).toBe(
      'mat1 and mat2 shapes cannot be multiplied (5x3 and 4x5)',
    );
    const before = applyFix(swap, 'op', 'Swap the operands (b·a)');
    expect(swap.typeOf(id('op'))?.outputs.output?.dims).toEqual([4, 3]);
    swap.undo();
    expect(swap.doc).toEqual(before);

    const transpose = binary('MatMul', [5, 3], [4, 3]);
    applyFix(transpose, 'op', 'Transpose b (a·bᵀ)');
    expect(transpose.typeOf(id('op'))?.outputs.output?.dims).toEqual([5, 4]);
  });
});

describe('the first node types', () => {
  it('follow LeNet-5 shapes through Conv2d, Flatten and Linear, with parameter counts', () => {
    const store = chain(
      ['x', 'Input', { shape: ['N', 1, 28, 28] }],
      ['c1', 'Conv2d', { in_channels: 1, out_channels: 6, kernel_size: 5, padding: 2 }],
      ['r1', 'ReLU'],
      ['c2', 'Conv2d', { in_channels: 6, out_channels: 16, kernel_size: 5 }],
      ['flat', 'Flatten'],
      ['fc', 'Linear', { in_features: 16 * 24 * 24, out_features: 120 }],
    );
    expect(store.typeOf(id('c1'))?.outputs.output?.dims).toEqual(['N', 6, 28, 28]);
    expect(store.typeOf(id('c2'))?.outputs.output?.dims).toEqual(['N', 16, 24, 24]);
    expect(store.typeOf(id('flat'))?.outputs.output?.dims).toEqual(['N', 9216]);
    expect(store.typeOf(id('c1'))?.paramCount).toBe(156);
    expect(store.typeOf(id('c2'))?.paramCount).toBe(2416);
    expect(store.typeOf(id('fc'))?.paramCount).toBe(9216 * 120 + 120);
  });

  it('report a kernel larger than the padded input in PyTorch’s words', () => {
    const store = chain(
      ['x', 'Input', { shape: [1, 1, 2, 2] }],
      ['c', 'Conv2d', { in_channels: 1, kernel_size: 3 }],
    );
    expect(store.typeOf(id('c'))?.diagnostics[0].message).toBe(
      "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size",
    );
  });

  it('check CrossEntropyLoss targets against the logits', () => {
    const store = binary('Add', [1], [1]);
    store.apply([
      {
        kind: 'addNode',
        node: createNode(catalog, 'Input', { id: id('logits'), params: { shape: [4, 10] } }),
      },
      {
        kind: 'addNode',
        node: createNode(catalog, 'Input', { id: id('labels'), params: { shape: [5], dtype: 'int32' } }),
      },
      { kind: 'addNode', node: createNode(catalog, 'CrossEntropyLoss', { id: id('loss') }) },
      {
        kind: 'connect',
        edge: {
          id: 'edge:l',
          from: { node: id('logits'), port: 'output' },
          to: { node: id('loss'), port: 'input' },
        },
      },
      {
        kind: 'connect',
        edge: {
          id: 'edge:t',
          from: { node: id('labels'), port: 'output' },
          to: { node: id('loss'), port: 'target' },
        },
      },
    ]);
    expect(store.typeOf(id('loss'))?.diagnostics[0].message).toBe(
      'Expected input batch_size (4) to match target batch_size (5).',
    );
    store.apply({ kind: 'setParam', id: id('labels'), name: 'shape', value: [4] });
    expect(store.typeOf(id('loss'))?.outputs.output).toEqual({ dtype: 'float32', dims: [] });
  });

  it('give Reshape symbolic sizes that cancel', () => {
    const store = chain(['x', 'Input', { shape: ['N', 'T', 32] }], ['r', 'Reshape', { shape: ['N', -1] }]);
    expect(store.typeOf(id('r'))?.outputs.output?.dims).toEqual(['N', 'T*32']);
    store.apply({ kind: 'setParam', id: id('r'), name: 'shape', value: ['N', 5, -1] });
    expect(store.typeOf(id('r'))?.diagnostics[0].message).toBe(
      "shape '[N, 5, -1]' is invalid for input of size N*T*32",
    );
  });
});

describe('edits', () => {
  it('coalesce one drag into one undo step', () => {
    const store = chain(['x', 'Input']);
    const start = store.doc;
    for (let i = 1; i <= 20; i++)
      store.apply({ kind: 'move', id: id('x'), position: { x: i, y: i } }, { coalesce: 'drag-1' });
    store.endGesture();
    store.apply({ kind: 'move', id: id('x'), position: { x: 99, y: 0 } }, { coalesce: 'drag-2' });
    store.undo();
    expect(store.doc.nodes[0].position).toEqual({ x: 20, y: 20 });
    store.undo();
    expect(store.doc).toEqual(start);
  });

  it('refuse a bad param, an unknown port, a port of another kind and a cycle, leaving the document', () => {
    const store = chain(['x', 'Input'], ['fc', 'Linear'], ['r', 'ReLU']);
    const before = store.doc;
    const bad = store.apply({ kind: 'setParam', id: id('fc'), name: 'out_features', value: -2 });
    expect(bad instanceof Error && bad.message).toBe(
      'node:fc.params.out_features: expected a positive integer, got -2',
    );
    const cycle = store.apply({
      kind: 'connect',
      edge: { id: 'edge:c', from: { node: id('r'), port: 'output' }, to: { node: id('fc'), port: 'input' } },
    });
    expect(cycle instanceof Error && cycle.code).toBe('cycle');
    const port = store.apply({
      kind: 'connect',
      edge: { id: 'edge:p', from: { node: id('r'), port: 'out' }, to: { node: id('fc'), port: 'input' } },
    });
    expect(port instanceof Error && port.code).toBe('unknown_port');
    expect(store.doc).toBe(before);
  });

  it('group nodes into a composite that infers like the nodes it holds, and ungroup them back', () => {
    const store = chain(
      ['x', 'Input', { shape: ['N', 784] }],
      ['fc', 'Linear', { out_features: 32 }],
      ['r', 'ReLU'],
      ['out', 'Linear', { in_features: 32, out_features: 10 }],
    );
    const before = structuredClone(store.doc);
    const tx = store.apply({
      kind: 'group',
      ids: [id('fc'), id('r')],
      compositeId: id('block'),
      label: 'block',
    });
    if (tx instanceof Error) throw tx;
    expect(store.doc.nodes.map((n) => n.id)).toEqual([id('x'), id('out'), id('block')]);
    expect(store.typeOf(id('block'))?.outputs).toEqual({
      ReLU_output: { dtype: 'float32', dims: ['N', 32] },
    });
    expect(store.typeOf(id('block'))?.paramCount).toBe(784 * 32 + 32);
    expect(store.typeOf(id('out'))?.outputs.output?.dims).toEqual(['N', 10]);
    store.apply({ kind: 'ungroup', id: id('block') });
    expect(store.typeOf(id('out'))?.outputs.output?.dims).toEqual(['N', 10]);
    store.undo();
    store.undo();
    expect(store.doc).toEqual(before);
  });

  it('reports an error inside a composite on the composite, naming the inner node', () => {
    const store = chain(
      ['x', 'Input', { shape: ['N', 784] }],
      ['fc', 'Linear', { out_features: 32 }],
      ['r', 'ReLU'],
    );
    store.apply({ kind: 'group', ids: [id('fc'), id('r')], compositeId: id('block') });
    store.apply({ kind: 'setParam', id: id('x'), name: 'shape', value: ['N', 100] });
    const [d] = store.typeOf(id('block'))?.diagnostics ?? [];
    expect(d).toMatchObject({ nodeId: id('block'), innerNodeId: id('fc'), code: 'in_features' });
    expect(d.message).toBe('Linear (node:fc): mat1 and mat2 shapes cannot be multiplied (Nx100 and 784x32)');
  });

  it('pastes a composite twice and ungroups both copies', () => {
    const store = chain(
      ['x', 'Input', { shape: ['N', 784] }],
      ['fc', 'Linear', { out_features: 32 }],
      ['r', 'ReLU'],
    );
    store.apply({ kind: 'group', ids: [id('fc'), id('r')], compositeId: id('block') });
    const block = store.doc.nodes.find((n) => n.id === id('block'));
    if (!block) throw new Error('no composite');
    store.apply({ kind: 'paste', nodes: [block], edges: [] });
    store.apply({ kind: 'paste', nodes: [block], edges: [] });
    const copies = store.doc.nodes.filter((n) => n.type === 'Composite' && n.id !== id('block'));
    expect(copies).toHaveLength(2);
    for (const copy of copies)
      expect(store.apply({ kind: 'ungroup', id: copy.id })).not.toBeInstanceOf(Error);
    expect(store.doc.nodes.filter((n) => n.type === 'Linear')).toHaveLength(2);
  });

  it('paste copies with fresh ids and the edges among them', () => {
    const store = chain(['x', 'Input'], ['fc', 'Linear']);
    store.apply({ kind: 'paste', nodes: store.doc.nodes, edges: store.doc.edges });
    expect(store.doc.nodes).toHaveLength(4);
    expect(store.doc.edges).toHaveLength(2);
    expect(new Set(store.doc.nodes.map((n) => n.id)).size).toBe(4);
    const copy = store.doc.nodes[3];
    expect(store.typeOf(copy.id)?.outputs.output?.dims).toEqual(['N', 10]);
  });
});
