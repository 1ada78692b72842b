import { describe, expect, it } from 'vitest';
import { createNode, type Edit, GraphStore, type NodeId, type NodeInference } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { baseDocument } from './random-edits.ts';

const id = (s: string) => `node:${s}` as NodeId;

/** Every type$ emission, as (node, transaction version at the time, the value). */
function record(store: GraphStore) {
  const log: {
    node: NodeId;
    version: number;
    info: NodeInference;
    others: Map<NodeId, NodeInference | undefined>;
  }[] = [];
  let version = 0;
  store.transactions$.subscribe((tx) => {
    version = tx.version;
  });
  for (const node of store.doc.nodes) {
    store.type$(node.id).subscribe((info) => {
      // what every other node looks like while this callback runs
      const others = new Map(store.doc.nodes.map((n) => [n.id, store.typeOf(n.id)] as const));
      log.push({ node: node.id, version, info, others });
    });
  }
  log.length = 0;
  return log;
}

describe('propagation', () => {
  it('recomputes exactly the edited node and its dependents, once each, in topological order', () => {
    const store = new GraphStore({ doc: baseDocument() });
    const tx = store.apply({ kind: 'setParam', id: id('fc1'), name: 'out_features', value: 32 });
    if (tx instanceof Error) throw tx;
    // fc1 → act → (fc2, res); fc2 → res
    expect(tx.recomputed).toEqual([id('fc1'), id('act'), id('fc2'), id('res')]);
    expect(new Set(tx.recomputed).size).toBe(tx.recomputed.length);
  });

  it('moving or renaming a node recomputes nothing', () => {
    const store = new GraphStore({ doc: baseDocument() });
    const moved = store.apply({ kind: 'move', id: id('fc1'), position: { x: 5, y: 5 } });
    const renamed = store.apply({ kind: 'rename', id: id('fc1'), label: 'encoder' });
    expect(!(moved instanceof Error) && moved.recomputed).toEqual([]);
    expect(!(renamed instanceof Error) && renamed.recomputed).toEqual([]);
  });

  it('emits each stream at most once per transaction, after everything is computed (no glitches)', () => {
    const store = new GraphStore({ doc: baseDocument() });
    const log = record(store);
    // a diamond: act feeds res directly and through fc2; changing fc1 changes both paths
    store.apply({ kind: 'setParam', id: id('fc1'), name: 'out_features', value: 32 });
    const nodes = log.map((e) => e.node);
    expect(new Set(nodes).size).toBe(nodes.length);
    expect(nodes).toEqual([id('fc1'), id('act'), id('fc2'), id('res')]);
    for (const entry of log) {
      // inside any callback, every node already shows the new state
      expect(entry.others.get(id('act'))?.outputs.output?.dims).toEqual(['N', 32]);
      expect(entry.others.get(id('fc2'))?.status).toBe('error');
      expect(entry.others.get(id('res'))?.status).toBe('blocked');
    }
    expect(log.find((e) => e.node === id('res'))?.info.diagnostics[0].message).toBe(
      'unknown because of Linear (node:fc2)',
    );
  });

  it('a transaction started from a subscriber leaves no stream with a stale value', () => {
    const store = new GraphStore({ doc: baseDocument() });
    let nested = false;
    store.type$(id('fc1')).subscribe((info) => {
      if (!nested && info.outputs.output?.dims[1] === 32) {
        nested = true;
        store.apply({ kind: 'setParam', id: id('fc2'), name: 'in_features', value: 32 });
      }
    });
    const seen: NodeInference[] = [];
    store.type$(id('res')).subscribe((info) => seen.push(info));
    store.apply({ kind: 'setParam', id: id('fc1'), name: 'out_features', value: 32 });
    expect(store.typeOf(id('res'))?.status).toBe('error'); // [N,64] from fc2 + [N,32] from act
    expect(seen[seen.length - 1]).toBe(store.typeOf(id('res')));
  });

  it('reports downstream nodes as unknown because of the failing node, not as a cascade', () => {
    const store = new GraphStore({ doc: baseDocument() });
    store.apply({ kind: 'setParam', id: id('fc1'), name: 'in_features', value: 100 });
    const statuses = ['fc1', 'act', 'fc2', 'res'].map((n) => store.typeOf(id(n))?.status);
    expect(statuses).toEqual(['error', 'blocked', 'blocked', 'blocked']);
    expect(store.typeOf(id('res'))?.blockedBy).toBe(id('fc1'));
    expect(store.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(1);
  });

  it('unifies symbols across the graph: a symbol bound to 784 somewhere is 784 everywhere', () => {
    const store = new GraphStore();
    const nodes = [
      createNode(catalog, 'Input', { id: id('x'), params: { shape: ['N', 'd'] } }),
      createNode(catalog, 'Linear', { id: id('fc'), params: { in_features: 784, out_features: 10 } }),
      createNode(catalog, 'Input', { id: id('y'), params: { shape: ['N', 'd'] } }),
      createNode(catalog, 'Linear', { id: id('fc_small'), params: { in_features: 100, out_features: 10 } }),
    ];
    const edits: Edit[] = [
      ...nodes.map((node): Edit => ({ kind: 'addNode', node })),
      {
        kind: 'connect',
        edge: {
          id: 'edge:1',
          from: { node: id('x'), port: 'output' },
          to: { node: id('fc'), port: 'input' },
        },
      },
      {
        kind: 'connect',
        edge: {
          id: 'edge:2',
          from: { node: id('y'), port: 'output' },
          to: { node: id('fc_small'), port: 'input' },
        },
      },
    ];
    store.apply(edits);
    expect(store.bindings.get('d')).toBe(784);
    expect(store.typeOf(id('x'))?.outputs.output?.dims).toEqual(['N', 784]);
    expect(store.typeOf(id('y'))?.outputs.output?.dims).toEqual(['N', 784]);
    const [d] = store.typeOf(id('fc_small'))?.diagnostics ?? [];
    expect(d.message).toBe('mat1 and mat2 shapes cannot be multiplied (Nx784 and 100x10)');
    expect(d.explanation).toContain('Symbols here: d = 784 (bound by Linear (node:fc)).');
    // unbinding: the first Linear goes, so d is free again and the second one binds it to 100
    store.apply({ kind: 'removeNode', id: id('fc') });
    expect(store.typeOf(id('fc_small'))?.status).toBe('ok');
    expect(store.typeOf(id('x'))?.outputs.output?.dims).toEqual(['N', 100]);
  });

  it('completes a removed node’s stream and restores it on undo', () => {
    const store = new GraphStore({ doc: baseDocument() });
    let completed = false;
    store.type$(id('res')).subscribe({ complete: () => (completed = true) });
    store.apply({ kind: 'removeNode', id: id('res') });
    expect(completed).toBe(true);
    store.undo();
    expect(store.typeOf(id('res'))?.outputs.output?.dims).toEqual(['N', 64]);
  });
});
