import { describe, expect, it } from 'vitest';
import { createNode, GraphStore, type NodeId } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';

describe('a small MLP in the store', () => {
  it('infers shapes, reports an in_features error with a fix, and undoes back to the start', () => {
    const store = new GraphStore();
    const x = createNode(catalog, 'Input', { id: 'node:x', params: { shape: ['N', 1, 28, 28] } });
    const fc = createNode(catalog, 'Linear', {
      id: 'node:fc',
      params: { in_features: 784, out_features: 10 },
    });
    const start = store.doc;
    const tx = store.apply([
      { kind: 'addNode', node: x },
      { kind: 'addNode', node: fc },
      {
        kind: 'connect',
        edge: {
          id: 'edge:1',
          from: { node: 'node:x', port: 'output' },
          to: { node: 'node:fc', port: 'input' },
        },
      },
    ]);
    expect(tx).not.toBeInstanceOf(Error);
    const info = store.typeOf('node:fc' as NodeId);
    expect(info?.status).toBe('error');
    const d = info?.diagnostics[0];
    expect(d?.message).toBe('mat1 and mat2 shapes cannot be multiplied (N*28x28 and 784x10)');
    expect(d?.fixes.map((f) => f.label)).toEqual([
      'Insert Flatten before this Linear',
      'Set in_features to 28',
    ]);
    store.apply(d?.fixes[0].edits ?? []);
    expect(store.typeOf('node:fc' as NodeId)?.outputs.output).toEqual({ dtype: 'float32', dims: ['N', 10] });
    store.undo();
    store.undo();
    expect(store.doc).toEqual(start);
  });
});
