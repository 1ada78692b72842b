/**
 * Graph section: a 500-node graph (chains of Linear → ReLU → Linear with a residual Add around
 * each block). One param edit near the top recomputes every dependent; we time the edit until
 * its last emission (transactions$ comes after every type$), and a full load + inference.
 */
import { cpus, loadavg } from 'node:os';
import {
  createNode,
  type Edit,
  type GraphDocument,
  GraphStore,
  loadDocument,
  type NodeId,
  saveDocument,
} from '../src/graph/index.ts';
import { catalog } from '../src/nodes/index.ts';
import type { BenchSection, BenchTable } from './measure.ts';

const WIDTH = 64;

/** Input, then blocks of [Linear, ReLU, Linear, Add(block input, second Linear)] until `size` nodes. */
export function residualChain(size: number): GraphDocument {
  const nodes = [
    createNode(catalog, 'Input', { id: 'node:x', params: { shape: ['N', WIDTH] }, position: { x: 0, y: 0 } }),
  ];
  const edges: GraphDocument['edges'] = [];
  const wire = (from: string, to: string, port: string) =>
    edges.push({
      id: `edge:${edges.length}`,
      from: { node: from as NodeId, port: 'output' },
      to: { node: to as NodeId, port },
    });
  let last = 'node:x';
  for (let b = 0; nodes.length + 4 <= size; b++) {
    const [fc1, act, fc2, add] = ['fc1', 'act', 'fc2', 'add'].map((s) => `node:b${b}_${s}`);
    const y = (b + 1) * 100;
    nodes.push(
      createNode(catalog, 'Linear', {
        id: fc1 as NodeId,
        params: { in_features: WIDTH, out_features: WIDTH },
        position: { x: 0, y },
      }),
      createNode(catalog, 'ReLU', { id: act as NodeId, position: { x: 100, y } }),
      createNode(catalog, 'Linear', {
        id: fc2 as NodeId,
        params: { in_features: WIDTH, out_features: WIDTH },
        position: { x: 200, y },
      }),
      createNode(catalog, 'Add', { id: add as NodeId, position: { x: 300, y } }),
    );
    wire(last, fc1, 'input');
    wire(fc1, act, 'input');
    wire(act, fc2, 'input');
    wire(fc2, add, 'a');
    wire(last, add, 'b');
    last = add;
  }
  while (nodes.length < size) {
    const id = `node:tail${nodes.length}`;
    nodes.push(createNode(catalog, 'ReLU', { id: id as NodeId, position: { x: 0, y: nodes.length * 10 } }));
    wire(last, id, 'input');
    last = id;
  }
  return {
    format: 'shapeflow.graph',
    version: 2,
    meta: { title: `residual chain of ${size}` },
    nodes,
    edges,
  };
}

const ms = (x: number) => x.toFixed(3);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[(s.length >> 1) - 1] + s[s.length >> 1]) / 2;
};

interface EditTiming {
  medianMs: number;
  fastestMs: number;
  recomputed: number;
  emitted: number;
  dependents: number;
}

/** Alternate between two edits of the same param; time apply → transactions$ emission. */
function timeEdit(store: GraphStore, edits: [Edit, Edit], runs: number): EditTiming {
  let done = 0;
  store.transactions$.subscribe(() => {
    done = performance.now();
  });
  let emitted = 0;
  for (const n of store.doc.nodes) store.type$(n.id).subscribe(() => emitted++);
  const times: number[] = [];
  let recomputed = 0;
  let changed = 0;
  for (let i = 0; i < runs; i++) {
    emitted = 0;
    const t0 = performance.now();
    const tx = store.apply(edits[i % 2]);
    if (tx instanceof Error) throw tx;
    times.push(done - t0);
    recomputed = tx.recomputed.length;
    changed = emitted;
  }
  const target = (edits[0] as { id: NodeId }).id;
  const measured = times.slice(10);
  return {
    medianMs: median(measured),
    fastestMs: Math.min(...measured),
    recomputed,
    emitted: changed,
    dependents: dependentsOf(store, target),
  };
}

/** The node itself and everything downstream of it. */
function dependentsOf(store: GraphStore, id: NodeId): number {
  const seen = new Set<NodeId>([id]);
  const stack = [id];
  while (stack.length) {
    for (const e of store.documentIndex.outgoing.get(stack.pop() as NodeId) ?? []) {
      if (!seen.has(e.to.node)) {
        seen.add(e.to.node);
        stack.push(e.to.node);
      }
    }
  }
  return seen.size;
}

export async function graphBench(size = 500, runs = 210): Promise<BenchTable> {
  const doc = residualChain(size);
  const text = saveDocument(doc);
  const loadTimes: number[] = [];
  for (let i = 0; i < 70; i++) {
    const t0 = performance.now();
    const loaded = loadDocument(text, catalog);
    if (!loaded.ok) throw new Error(loaded.errors[0].message);
    new GraphStore({ doc: loaded.doc });
    // the first runs compile the code paths: leave them out, as for the edits
    if (i >= 10) loadTimes.push(performance.now() - t0);
  }
  const shape = timeEdit(
    new GraphStore({ doc }),
    [
      { kind: 'setParam', id: 'node:x', name: 'shape', value: ['B', WIDTH] },
      { kind: 'setParam', id: 'node:x', name: 'shape', value: ['N', WIDTH] },
    ],
    runs,
  );
  const bias = timeEdit(
    new GraphStore({ doc }),
    [
      { kind: 'setParam', id: 'node:b0_fc1', name: 'bias', value: false },
      { kind: 'setParam', id: 'node:b0_fc1', name: 'bias', value: true },
    ],
    runs,
  );
  const row = (what: string, t: EditTiming) => [
    what,
    ms(t.medianMs),
    ms(t.fastestMs),
    '1',
    `${t.recomputed}`,
    `${t.dependents}`,
    `${t.emitted}`,
  ];
  return {
    title: `Graph core: ${size}-node residual chain (Linear → ReLU → Linear, Add around each block)`,
    columns: [
      'measurement',
      'median ms',
      'fastest ms',
      'goal ms',
      'recomputed',
      'dependents',
      'type$ emissions',
    ],
    rows: [
      row('edit Input shape N→B (every type changes)', shape),
      row('toggle first Linear bias (types unchanged)', bias),
      [
        'load JSON + validate + infer all',
        ms(median(loadTimes)),
        ms(Math.min(...loadTimes)),
        '20',
        `${size}`,
        '-',
        '-',
      ],
    ],
    notes: [
      'edit time: store.apply → the transaction’s last emission (transactions$, after every type$), every node subscribed',
      `median of ${runs - 10} edits after 10 warm-up edits, alternating between two values; loads: median of 60 after 10`,
      `load average while measuring: ${loadavg()[0].toFixed(1)} on ${cpus().length} logical cores (wall times grow with it)`,
    ],
  };
}

export const graphSection: BenchSection = { name: 'graph', run: () => graphBench() };
