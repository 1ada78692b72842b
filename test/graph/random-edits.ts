/** Random edit sequences for property tests: seeds interpreted against the current document. */
import fc from 'fast-check';
import {
  createNode,
  type Edit,
  portsOf,
  type GraphDocument,
  type GraphNode,
  type NodeId,
} from '../../src/graph/index.ts';
import { catalog, type ParamValue } from '../../src/nodes/index.ts';

export interface EditSeed {
  op: number;
  a: number;
  b: number;
  c: number;
  value: number;
}

export const editSeed: fc.Arbitrary<EditSeed> = fc.record({
  op: fc.noBias(fc.nat(15)),
  a: fc.noBias(fc.nat(1000)),
  b: fc.noBias(fc.nat(1000)),
  c: fc.noBias(fc.nat(1000)),
  value: fc.integer({ min: -3, max: 40 }),
});

const TYPES = [
  'Input',
  'Linear',
  'ReLU',
  'Add',
  'MatMul',
  'Flatten',
  'Transpose',
  'Sub',
  'Unsqueeze',
  'Conv2d',
];
const SHAPES: ParamValue[] = [
  ['N', 784],
  ['N', 'd'],
  [4, 3],
  ['N', 1, 28, 28],
  [3],
  ['N', 3, 1],
  ['d', 'N'],
  [2, 3, 8, 8],
];

let counter = 0;

function pick<T>(list: readonly T[], k: number): T | undefined {
  return list.length === 0 ? undefined : list[k % list.length];
}

function paramEdit(node: GraphNode, seed: EditSeed): Edit | null {
  const names = Object.keys(node.params);
  const name = pick(names, seed.b);
  if (!name) return null;
  let value: ParamValue = seed.value;
  if (name === 'shape') value = pick(SHAPES, seed.c) ?? [];
  else if (typeof node.params[name] === 'boolean') value = seed.value % 2 === 0;
  else if (name === 'kernel_size' || name === 'stride') value = Math.max(1, seed.value % 4);
  else if (name === 'dtype') value = seed.value % 5 === 0 ? 'int32' : 'float32';
  return { kind: 'setParam', id: node.id, name, value };
}

/** One edit for the document as it is now, or null when the seed does not fit it. */
export function editFromSeed(doc: GraphDocument, seed: EditSeed): Edit | null {
  const node = pick(doc.nodes, seed.a);
  const other = pick(doc.nodes, seed.b);
  switch (seed.op) {
    case 0:
    case 1: {
      const type = pick(TYPES, seed.b) as string;
      const params: Record<string, ParamValue> =
        type === 'Input' ? { shape: pick(SHAPES, seed.c) as ParamValue } : {};
      return {
        kind: 'addNode',
        node: createNode(catalog, type, {
          id: `node:r${counter++}`,
          position: { x: seed.a, y: seed.c },
          params,
        }),
      };
    }
    case 2:
    case 3:
    case 4:
    case 11:
    case 12: {
      // mostly into inputs still free, from any other node (some close a cycle and are refused)
      const free = doc.nodes.flatMap((n) =>
        (portsOf(n, catalog)?.inputs ?? [])
          .filter((p) => seed.op === 12 || !doc.edges.some((e) => e.to.node === n.id && e.to.port === p.name))
          .map((p) => ({ node: n, port: p })),
      );
      const target = pick(free, seed.a);
      const node = pick(
        doc.nodes.filter((n) => n.id !== target?.node.id),
        seed.b,
      );
      if (!target || !node) return null;
      const outs = portsOf(node, catalog)?.outputs ?? [];
      const from = pick(outs, seed.c);
      const to = target.port;
      const other = target.node;
      if (!from) return null;
      return {
        kind: 'connect',
        edge: {
          id: `edge:r${counter++}`,
          from: { node: node.id, port: from.name },
          to: { node: other.id, port: to.name },
        },
      };
    }
    case 5:
      return node ? paramEdit(node, seed) : null;
    case 6:
      return node ? { kind: 'removeNode', id: node.id } : null;
    case 7: {
      const edge = pick(doc.edges, seed.a);
      return edge ? { kind: 'disconnect', id: edge.id } : null;
    }
    case 8:
      return node ? { kind: 'move', id: node.id, position: { x: seed.b, y: seed.c } } : null;
    case 9:
      return node
        ? { kind: 'rename', id: node.id, label: seed.value % 3 === 0 ? undefined : `L${seed.value}` }
        : null;
    case 10: {
      if (!node || !other || node.id === other.id || node.type === 'Composite') return null;
      const ids = [node.id, other.id].filter((id, i, all) => all.indexOf(id) === i) as NodeId[];
      return { kind: 'group', ids, compositeId: `node:g${counter++}` };
    }
    case 13: {
      const composite = doc.nodes.find((n) => n.type === 'Composite');
      return composite ? { kind: 'ungroup', id: composite.id } : null;
    }
    case 14: {
      const picked = doc.nodes.filter((_, i) => (seed.b >> (i % 10)) & 1);
      const inside = new Set(picked.map((n) => n.id));
      const edges = doc.edges.filter((e) => inside.has(e.from.node) && inside.has(e.to.node));
      return picked.length > 0 ? { kind: 'paste', nodes: picked, edges, offset: { x: seed.c, y: 10 } } : null;
    }
    case 15:
      return {
        kind: 'setMeta',
        meta: { title: `T${seed.value}`, symbols: seed.value % 2 ? { N: seed.a + 1 } : {} },
      };
    default:
      return null;
  }
}

/** A small starting graph (an MLP branch, a conv branch, a residual add) for edits to work on. */
export function baseDocument(): GraphDocument {
  const node = (id: string, type: string, params: Record<string, ParamValue> = {}) =>
    createNode(catalog, type, { id: `node:${id}`, params, position: { x: 0, y: 0 } });
  const nodes = [
    node('x', 'Input', { shape: ['N', 784] }),
    node('fc1', 'Linear', { in_features: 784, out_features: 64 }),
    node('act', 'ReLU'),
    node('fc2', 'Linear', { in_features: 64, out_features: 64 }),
    node('res', 'Add'),
    node('img', 'Input', { shape: ['N', 1, 28, 28] }),
    node('conv', 'Conv2d', { in_channels: 1, out_channels: 6, kernel_size: 5 }),
    node('flat', 'Flatten'),
  ];
  const wires: [string, string, string][] = [
    ['x', 'fc1', 'input'],
    ['fc1', 'act', 'input'],
    ['act', 'fc2', 'input'],
    ['fc2', 'res', 'a'],
    ['act', 'res', 'b'],
    ['img', 'conv', 'input'],
    ['conv', 'flat', 'input'],
  ];
  const edges = wires.map(([from, to, port], i) => ({
    id: `edge:b${i}` as const,
    from: { node: `node:${from}` as const, port: 'output' },
    to: { node: `node:${to}` as const, port },
  }));
  return { format: 'shapeflow.graph', version: 2, meta: { title: 'base' }, nodes, edges };
}
