/**
 * Structural diff of two documents (two templates, or a document and an earlier version of
 * it), for the editor to mark on the canvas: nodes added, removed and changed (type, params,
 * label, subgraph), edges added and removed, and — given the catalog — every output port
 * whose inferred shape changed. Nodes are matched by id (a fork keeps its template's ids);
 * edges by their endpoints, since re-wiring makes new edge ids. A pure function.
 */
import type { Catalog } from '../nodes/catalog.ts';
import type { ParamValue, TensorType } from '../nodes/types.ts';
import type { GraphDocument, GraphEdge, GraphNode, NodeId } from './document.ts';
import { inferShapes } from './infer.ts';

export interface ParamChange {
  name: string;
  /** undefined: the param is absent on that side */
  before: ParamValue | undefined;
  after: ParamValue | undefined;
}

export interface NodeChange {
  id: NodeId;
  /** the type on the `after` side */
  type: string;
  /** set when the node's type itself changed */
  typeBefore?: string;
  params: ParamChange[];
  label?: { before: string | undefined; after: string | undefined };
  /** a composite whose inner graph differs */
  subgraphChanged: boolean;
}

export interface ShapeChange {
  id: NodeId;
  port: string;
  /** null: unknown on that side (an error upstream, or the node is absent) */
  before: TensorType | null;
  after: TensorType | null;
}

export interface DocumentDiff {
  added: NodeId[];
  removed: NodeId[];
  changed: NodeChange[];
  /** nodes that only moved on the canvas */
  moved: NodeId[];
  edges: { added: GraphEdge[]; removed: GraphEdge[] };
  /** output ports whose inferred shape differs (only when a catalog was given) */
  shapes: ShapeChange[];
  /** meta fields (title, description, …) whose values differ */
  meta: string[];
  /** nothing but positions differ */
  same: boolean;
}

/** Structural equality of JSON-like values (param values, subgraphs). */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.hasOwn(b, k) && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

function paramChanges(a: GraphNode, b: GraphNode): ParamChange[] {
  const names = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])];
  return names
    .filter((name) => !equal(a.params[name], b.params[name]))
    .map((name) => ({ name, before: a.params[name], after: b.params[name] }));
}

function nodeChange(a: GraphNode, b: GraphNode): NodeChange | null {
  const change: NodeChange = {
    id: b.id,
    type: b.type,
    params: paramChanges(a, b),
    subgraphChanged: !equal(a.subgraph, b.subgraph),
  };
  if (a.type !== b.type) change.typeBefore = a.type;
  if (a.label !== b.label) change.label = { before: a.label, after: b.label };
  const differs =
    change.typeBefore !== undefined ||
    change.params.length > 0 ||
    change.label !== undefined ||
    change.subgraphChanged;
  return differs ? change : null;
}

const edgeKey = (e: GraphEdge) => `${e.from.node}\u0000${e.from.port}\u0000${e.to.node}\u0000${e.to.port}`;

function shapeChanges(before: GraphDocument, after: GraphDocument, catalog: Catalog): ShapeChange[] {
  const a = inferShapes(before, catalog).nodes;
  const b = inferShapes(after, catalog).nodes;
  const out: ShapeChange[] = [];
  const sameType = (x: TensorType | null, y: TensorType | null) => equal(x, y);
  for (const node of after.nodes) {
    const was = a.get(node.id);
    const now = b.get(node.id);
    if (!was || !now) continue; // added nodes are listed as added, not as shape changes
    for (const port of new Set([...Object.keys(was.outputs), ...Object.keys(now.outputs)])) {
      const x = was.outputs[port] ?? null;
      const y = now.outputs[port] ?? null;
      if (!sameType(x, y)) out.push({ id: node.id, port, before: x, after: y });
    }
  }
  return out;
}

/** What changed from `before` to `after`. With a catalog, shape changes are listed too. */
export function diffDocuments(before: GraphDocument, after: GraphDocument, catalog?: Catalog): DocumentDiff {
  const was = new Map(before.nodes.map((n) => [n.id, n]));
  const now = new Map(after.nodes.map((n) => [n.id, n]));
  const added = after.nodes.filter((n) => !was.has(n.id)).map((n) => n.id);
  const removed = before.nodes.filter((n) => !now.has(n.id)).map((n) => n.id);
  const changed: NodeChange[] = [];
  const moved: NodeId[] = [];
  for (const b of after.nodes) {
    const a = was.get(b.id);
    if (!a) continue;
    const change = nodeChange(a, b);
    if (change) changed.push(change);
    if (a.position.x !== b.position.x || a.position.y !== b.position.y) moved.push(b.id);
  }
  const edgesBefore = new Set(before.edges.map(edgeKey));
  const edgesAfter = new Set(after.edges.map(edgeKey));
  const edges = {
    added: after.edges.filter((e) => !edgesBefore.has(edgeKey(e))),
    removed: before.edges.filter((e) => !edgesAfter.has(edgeKey(e))),
  };
  const metaKeys = new Set([...Object.keys(before.meta), ...Object.keys(after.meta)]);
  const meta = [...metaKeys].filter(
    (k) =>
      !equal(
        (before.meta as unknown as Record<string, unknown>)[k],
        (after.meta as unknown as Record<string, unknown>)[k],
      ),
  );
  const shapes = catalog ? shapeChanges(before, after, catalog) : [];
  const same =
    added.length +
      removed.length +
      changed.length +
      edges.added.length +
      edges.removed.length +
      meta.length ===
    0;
  return { added, removed, changed, moved, edges, shapes, meta, same };
}

/** One line per change, for a list beside the canvas or a CLI. */
export function describeDiff(diff: DocumentDiff): string[] {
  const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));
  const dims = (t: TensorType | null) => (t ? `[${t.dims.join(', ')}]` : 'unknown');
  return [
    ...diff.added.map((id) => `+ ${id}`),
    ...diff.removed.map((id) => `− ${id}`),
    ...diff.changed.flatMap((c) => [
      ...(c.typeBefore ? [`~ ${c.id}: type ${c.typeBefore} → ${c.type}`] : []),
      ...c.params.map((p) => `~ ${c.id}.${p.name}: ${show(p.before)} → ${show(p.after)}`),
      ...(c.label ? [`~ ${c.id}: label ${show(c.label.before)} → ${show(c.label.after)}`] : []),
      ...(c.subgraphChanged ? [`~ ${c.id}: inner graph changed`] : []),
    ]),
    ...diff.edges.added.map((e) => `+ edge ${e.from.node}.${e.from.port} → ${e.to.node}.${e.to.port}`),
    ...diff.edges.removed.map((e) => `− edge ${e.from.node}.${e.from.port} → ${e.to.node}.${e.to.port}`),
    ...diff.shapes.map((s) => `shape ${s.id}.${s.port}: ${dims(s.before)} → ${dims(s.after)}`),
    ...diff.meta.map((k) => `~ meta.${k}`),
  ];
}
