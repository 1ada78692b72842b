/**
 * Every change to a document is a typed edit, applied in one place. An edit expands into
 * record operations (insert/delete/replace of one node or edge, or the meta); those are what
 * undo inverts and what propagation reads to find the dirty nodes.
 */
import type { Catalog } from '../nodes/catalog.ts';
import { defaultParams } from '../nodes/params.ts';
import type { ParamValue } from '../nodes/types.ts';
import {
  COMPOSITE_TYPE,
  DOCUMENT_FORMAT,
  DOCUMENT_VERSION,
  type DocumentMeta,
  type EdgeId,
  type ExposedPort,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  isEdgeId,
  isNodeId,
  newEdgeId,
  newNodeId,
  type NodeId,
  type Position,
  portsOf,
  type Subgraph,
} from './document.ts';

export type Edit =
  | { kind: 'addNode'; node: GraphNode }
  /** removes the node and every edge touching it */
  | { kind: 'removeNode'; id: NodeId }
  /** joins an output to an input; an edge already feeding that input is replaced */
  | { kind: 'connect'; edge: GraphEdge }
  | { kind: 'disconnect'; id: EdgeId }
  | { kind: 'setParam'; id: NodeId; name: string; value: ParamValue }
  | { kind: 'move'; id: NodeId; position: Position }
  | { kind: 'rename'; id: NodeId; label: string | undefined }
  | { kind: 'setMeta'; meta: Partial<DocumentMeta> }
  /** moves nodes into a new composite; edges crossing the boundary become its ports */
  | { kind: 'group'; ids: NodeId[]; compositeId: NodeId; label?: string }
  /** puts a composite's nodes back where they were */
  | { kind: 'ungroup'; id: NodeId }
  /** inserts copies of nodes (fresh ids, shifted by offset) and the edges among them */
  | { kind: 'paste'; nodes: GraphNode[]; edges: GraphEdge[]; offset?: Position }
  /**
   * applies edits to a composite's inner graph (nest it for composites inside composites);
   * exposed ports whose inner port went away, or that an inner edge now feeds, are dropped
   * with the outer edges through them
   */
  | { kind: 'editInside'; id: NodeId; edits: Edit[] };

/** The smallest changes, each with what is needed to invert it. */
export type RecordOp =
  | { op: 'insertNode'; node: GraphNode; index: number }
  | { op: 'deleteNode'; node: GraphNode; index: number }
  | { op: 'replaceNode'; before: GraphNode; after: GraphNode; index: number }
  | { op: 'insertEdge'; edge: GraphEdge; index: number }
  | { op: 'deleteEdge'; edge: GraphEdge; index: number }
  | { op: 'setMeta'; before: DocumentMeta; after: DocumentMeta };

export type EditErrorCode =
  | 'unknown_node'
  | 'unknown_edge'
  | 'unknown_type'
  | 'unknown_port'
  | 'unknown_param'
  | 'invalid_param'
  | 'invalid_id'
  | 'duplicate_id'
  | 'port_kind'
  | 'cycle'
  | 'invalid_group';

/** An edit that cannot apply; the document is left as it was. */
export class EditError extends Error {
  constructor(
    readonly code: EditErrorCode,
    message: string,
    /** which edit of the transaction failed */
    readonly editIndex = 0,
  ) {
    super(message);
    this.name = 'EditError';
  }
}

/** What a transaction changed, for propagation and the UI. */
export interface ChangeSet {
  /** nodes added, or whose type, params, subgraph or inputs changed: inference starts here */
  dirty: Set<NodeId>;
  removed: Set<NodeId>;
  /** nodes only moved or renamed */
  cosmetic: Set<NodeId>;
  /** nodes or edges were added or removed */
  structural: boolean;
  meta: boolean;
}

export function changesOf(ops: readonly RecordOp[]): ChangeSet {
  const c: ChangeSet = {
    dirty: new Set(),
    removed: new Set(),
    cosmetic: new Set(),
    structural: false,
    meta: false,
  };
  for (const o of ops) {
    if (o.op === 'insertNode') {
      c.dirty.add(o.node.id);
      c.removed.delete(o.node.id);
      c.structural = true;
    } else if (o.op === 'deleteNode') {
      c.removed.add(o.node.id);
      c.dirty.delete(o.node.id);
      c.structural = true;
    } else if (o.op === 'replaceNode') {
      const b = o.before;
      const a = o.after;
      if (b.type !== a.type || b.params !== a.params || b.subgraph !== a.subgraph) c.dirty.add(a.id);
      else c.cosmetic.add(a.id);
    } else if (o.op === 'insertEdge' || o.op === 'deleteEdge') {
      c.dirty.add(o.edge.to.node);
      c.structural = true;
    } else c.meta = true;
  }
  for (const id of c.removed) c.cosmetic.delete(id);
  return c;
}

export function invertOps(ops: readonly RecordOp[]): RecordOp[] {
  return ops
    .map((o): RecordOp => {
      switch (o.op) {
        case 'insertNode':
          return { op: 'deleteNode', node: o.node, index: o.index };
        case 'deleteNode':
          return { op: 'insertNode', node: o.node, index: o.index };
        case 'replaceNode':
          return { op: 'replaceNode', before: o.after, after: o.before, index: o.index };
        case 'insertEdge':
          return { op: 'deleteEdge', edge: o.edge, index: o.index };
        case 'deleteEdge':
          return { op: 'insertEdge', edge: o.edge, index: o.index };
        case 'setMeta':
          return { op: 'setMeta', before: o.after, after: o.before };
      }
    })
    .reverse();
}

/** Replays record ops (undo, redo): no checks, they were checked when first applied. */
export function applyOps(doc: GraphDocument, ops: readonly RecordOp[]): GraphDocument {
  const nodes = [...doc.nodes];
  const edges = [...doc.edges];
  let meta = doc.meta;
  for (const o of ops) {
    if (o.op === 'insertNode') nodes.splice(o.index, 0, o.node);
    else if (o.op === 'deleteNode') nodes.splice(o.index, 1);
    else if (o.op === 'replaceNode') nodes[o.index] = o.after;
    else if (o.op === 'insertEdge') edges.splice(o.index, 0, o.edge);
    else if (o.op === 'deleteEdge') edges.splice(o.index, 1);
    else meta = o.after;
  }
  return { ...doc, meta, nodes, edges };
}

/** A node of `type` with default params (what the palette drops). */
export function createNode(
  catalog: Catalog,
  type: string,
  init: { id?: NodeId; position?: Position; params?: Record<string, ParamValue>; label?: string } = {},
): GraphNode {
  const def = catalog.get(type);
  if (!def) throw new EditError('unknown_type', `unknown node type '${type}'`);
  const node: GraphNode = {
    id: init.id ?? newNodeId(type),
    type,
    params: { ...(defaultParams(def.params) as Record<string, ParamValue>), ...init.params },
    position: init.position ?? { x: 0, y: 0 },
  };
  if (init.label !== undefined) node.label = init.label;
  return node;
}

/** Why a node record cannot be in a document, or null when it can. */
export function checkNode(node: GraphNode, catalog: Catalog): EditError | null {
  if (!isNodeId(node.id))
    return new EditError('invalid_id', `node id '${node.id}' must look like 'node:<name>'`);
  if (node.type === COMPOSITE_TYPE) {
    return node.subgraph ? null : new EditError('invalid_group', `composite ${node.id} has no subgraph`);
  }
  const def = catalog.get(node.type);
  if (!def) return new EditError('unknown_type', `${node.id}: unknown node type '${node.type}'`);
  for (const name of Object.keys(node.params)) {
    if (!(name in def.params))
      return new EditError('unknown_param', `${node.id}: ${node.type} has no param '${name}'`);
  }
  for (const [name, spec] of Object.entries(def.params)) {
    const problem = spec.check(node.params[name]);
    if (problem) return new EditError('invalid_param', `${node.id}.params.${name}: ${problem}`);
  }
  return null;
}

/** A document being edited: copies of the arrays, changed in place, every change recorded. */
class Draft {
  nodes: GraphNode[];
  edges: GraphEdge[];
  meta: DocumentMeta;
  readonly ops: RecordOp[] = [];

  constructor(
    doc: GraphDocument,
    readonly catalog: Catalog,
  ) {
    this.nodes = [...doc.nodes];
    this.edges = [...doc.edges];
    this.meta = doc.meta;
  }

  nodeIndex(id: NodeId): number {
    const i = this.nodes.findIndex((n) => n.id === id);
    if (i < 0) throw new EditError('unknown_node', `no node ${id}`);
    return i;
  }

  node(id: NodeId): GraphNode {
    return this.nodes[this.nodeIndex(id)];
  }

  insertNode(node: GraphNode): void {
    const problem = checkNode(node, this.catalog);
    if (problem) throw problem;
    if (this.nodes.some((n) => n.id === node.id))
      throw new EditError('duplicate_id', `node id ${node.id} is already used`);
    this.nodes.push(node);
    this.ops.push({ op: 'insertNode', node, index: this.nodes.length - 1 });
  }

  deleteNode(id: NodeId): void {
    for (const e of this.edges.filter((e) => e.from.node === id || e.to.node === id)) this.deleteEdge(e.id);
    const index = this.nodeIndex(id);
    const [node] = this.nodes.splice(index, 1);
    this.ops.push({ op: 'deleteNode', node, index });
  }

  replaceNode(after: GraphNode): void {
    const index = this.nodeIndex(after.id);
    const before = this.nodes[index];
    this.nodes[index] = after;
    this.ops.push({ op: 'replaceNode', before, after, index });
  }

  insertEdge(edge: GraphEdge): void {
    if (!isEdgeId(edge.id))
      throw new EditError('invalid_id', `edge id '${edge.id}' must look like 'edge:<name>'`);
    if (this.edges.some((e) => e.id === edge.id))
      throw new EditError('duplicate_id', `edge id ${edge.id} is already used`);
    const from = this.node(edge.from.node);
    const to = this.node(edge.to.node);
    const out = portsOf(from, this.catalog)?.outputs.find((p) => p.name === edge.from.port);
    const inp = portsOf(to, this.catalog)?.inputs.find((p) => p.name === edge.to.port);
    if (!out)
      throw new EditError('unknown_port', `${from.type} ${from.id} has no output '${edge.from.port}'`);
    if (!inp) throw new EditError('unknown_port', `${to.type} ${to.id} has no input '${edge.to.port}'`);
    if (out.kind !== inp.kind) {
      throw new EditError(
        'port_kind',
        `cannot connect a ${out.kind} output to a ${inp.kind} input (${to.id}.${inp.name})`,
      );
    }
    const occupant = this.edges.find((e) => e.to.node === edge.to.node && e.to.port === edge.to.port);
    if (occupant) this.deleteEdge(occupant.id);
    if (!inp.feedback && this.reaches(edge.to.node, edge.from.node)) {
      throw new EditError('cycle', `connecting ${from.id} to ${to.id} would make a cycle`);
    }
    this.edges.push(edge);
    this.ops.push({ op: 'insertEdge', edge, index: this.edges.length - 1 });
  }

  deleteEdge(id: EdgeId): void {
    const index = this.edges.findIndex((e) => e.id === id);
    if (index < 0) throw new EditError('unknown_edge', `no edge ${id}`);
    const [edge] = this.edges.splice(index, 1);
    this.ops.push({ op: 'deleteEdge', edge, index });
  }

  setMeta(after: DocumentMeta): void {
    this.ops.push({ op: 'setMeta', before: this.meta, after });
    this.meta = after;
  }

  /** Whether `target` can be reached from `start` along edges (feedback edges included). */
  private reaches(start: NodeId, target: NodeId): boolean {
    if (start === target) return true;
    const next = new Map<NodeId, NodeId[]>();
    for (const e of this.edges) next.set(e.from.node, [...(next.get(e.from.node) ?? []), e.to.node]);
    const seen = new Set<NodeId>([start]);
    const stack = [start];
    while (stack.length) {
      for (const n of next.get(stack.pop() as NodeId) ?? []) {
        if (n === target) return true;
        if (!seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
      }
    }
    return false;
  }
}

function applyOne(d: Draft, edit: Edit): void {
  switch (edit.kind) {
    case 'addNode':
      return d.insertNode(edit.node);
    case 'removeNode':
      return d.deleteNode(edit.id);
    case 'connect':
      return d.insertEdge(edit.edge);
    case 'disconnect':
      return d.deleteEdge(edit.id);
    case 'setParam': {
      const node = d.node(edit.id);
      const after = { ...node, params: { ...node.params, [edit.name]: edit.value } };
      const problem = checkNode(after, d.catalog);
      if (problem) throw problem;
      return d.replaceNode(after);
    }
    case 'move':
      return d.replaceNode({ ...d.node(edit.id), position: { x: edit.position.x, y: edit.position.y } });
    case 'rename': {
      const { label: _old, ...rest } = d.node(edit.id);
      return d.replaceNode(edit.label === undefined ? rest : { ...rest, label: edit.label });
    }
    case 'setMeta':
      return d.setMeta({ ...d.meta, ...edit.meta });
    case 'group':
      return group(d, edit.ids, edit.compositeId, edit.label);
    case 'ungroup':
      return ungroup(d, edit.id);
    case 'paste':
      return paste(d, edit.nodes, edit.edges, edit.offset ?? { x: 40, y: 40 });
    case 'editInside':
      return editInside(d, edit.id, edit.edits);
  }
}

/**
 * Applies a transaction's edits, all or nothing. Returns the new document and the record ops
 * (for undo), or the first error with the document untouched.
 */
export function applyEdits(
  doc: GraphDocument,
  edits: readonly Edit[],
  catalog: Catalog,
): { doc: GraphDocument; ops: RecordOp[] } | EditError {
  const draft = new Draft(doc, catalog);
  for (let i = 0; i < edits.length; i++) {
    try {
      applyOne(draft, edits[i]);
    } catch (e) {
      if (e instanceof EditError) return new EditError(e.code, e.message, i);
      throw e;
    }
  }
  return { doc: { ...doc, meta: draft.meta, nodes: draft.nodes, edges: draft.edges }, ops: draft.ops };
}

function uniqueName(taken: Set<string>, wanted: string): string {
  let name = wanted;
  for (let k = 2; taken.has(name); k++) name = `${wanted}_${k}`;
  taken.add(name);
  return name;
}

function group(d: Draft, ids: NodeId[], compositeId: NodeId, label?: string): void {
  if (ids.length === 0) throw new EditError('invalid_group', 'group needs at least one node');
  const inside = new Set(ids);
  const members = ids.map((id) => d.node(id));
  const innerEdges = d.edges.filter((e) => inside.has(e.from.node) && inside.has(e.to.node));
  const entering = d.edges.filter((e) => !inside.has(e.from.node) && inside.has(e.to.node));
  const leaving = d.edges.filter((e) => inside.has(e.from.node) && !inside.has(e.to.node));
  const nameOf = (id: NodeId) => (d.node(id).label ?? d.node(id).type).replace(/\W+/g, '_');
  const inNames = new Set<string>();
  const inputs: ExposedPort[] = entering.map((e) => ({
    name: uniqueName(inNames, `${nameOf(e.to.node)}_${e.to.port}`),
    node: e.to.node,
    port: e.to.port,
  }));
  const outNames = new Set<string>();
  const outputs: ExposedPort[] = [];
  const outputFor = (e: GraphEdge) => {
    let exposed = outputs.find((o) => o.node === e.from.node && o.port === e.from.port);
    if (!exposed) {
      exposed = {
        name: uniqueName(outNames, `${nameOf(e.from.node)}_${e.from.port}`),
        node: e.from.node,
        port: e.from.port,
      };
      outputs.push(exposed);
    }
    return exposed.name;
  };
  const rerouted: GraphEdge[] = [
    ...entering.map((e, i) => ({
      id: newEdgeId(),
      from: e.from,
      to: { node: compositeId, port: inputs[i].name },
    })),
    ...leaving.map((e) => ({ id: newEdgeId(), from: { node: compositeId, port: outputFor(e) }, to: e.to })),
  ];
  const x = members.reduce((s, n) => s + n.position.x, 0) / members.length;
  const y = members.reduce((s, n) => s + n.position.y, 0) / members.length;
  for (const id of ids) d.deleteNode(id);
  const composite: GraphNode = {
    id: compositeId,
    type: COMPOSITE_TYPE,
    params: {},
    position: { x, y },
    subgraph: { nodes: members, edges: innerEdges, inputs, outputs },
  };
  if (label !== undefined) composite.label = label;
  d.insertNode(composite);
  for (const e of rerouted) d.insertEdge(e);
}

function ungroup(d: Draft, id: NodeId): void {
  const composite = d.node(id);
  const sub = composite.subgraph;
  if (composite.type !== COMPOSITE_TYPE || !sub)
    throw new EditError('invalid_group', `${id} is not a composite`);
  const entering = d.edges.filter((e) => e.to.node === id);
  const leaving = d.edges.filter((e) => e.from.node === id);
  d.deleteNode(id);
  for (const n of sub.nodes) d.insertNode(n);
  for (const e of sub.edges) d.insertEdge(e);
  for (const e of entering) {
    const exposed = sub.inputs.find((p) => p.name === e.to.port);
    if (exposed)
      d.insertEdge({ id: newEdgeId(), from: e.from, to: { node: exposed.node, port: exposed.port } });
  }
  for (const e of leaving) {
    const exposed = sub.outputs.find((p) => p.name === e.from.port);
    if (exposed)
      d.insertEdge({ id: newEdgeId(), from: { node: exposed.node, port: exposed.port }, to: e.to });
  }
}

function editInside(d: Draft, id: NodeId, edits: readonly Edit[]): void {
  const composite = d.node(id);
  const sub = composite.subgraph;
  if (composite.type !== COMPOSITE_TYPE || !sub)
    throw new EditError('invalid_group', `${id} is not a composite`);
  const inner = applyEdits({ ...EMPTY_INNER, nodes: sub.nodes, edges: sub.edges }, edits, d.catalog);
  if (inner instanceof EditError) throw new EditError(inner.code, `inside ${id}: ${inner.message}`);
  const nodes = new Map(inner.doc.nodes.map((n) => [n.id, n]));
  const hasPort = (p: ExposedPort, side: 'inputs' | 'outputs') => {
    const node = nodes.get(p.node);
    return !!node && !!portsOf(node, d.catalog)?.[side].some((q) => q.name === p.port);
  };
  const fedInside = (p: ExposedPort) =>
    inner.doc.edges.some((e) => e.to.node === p.node && e.to.port === p.port);
  const inputs = sub.inputs.filter((p) => hasPort(p, 'inputs') && !fedInside(p));
  const outputs = sub.outputs.filter((p) => hasPort(p, 'outputs'));
  const kept = (list: ExposedPort[], port: string) => list.some((p) => p.name === port);
  for (const e of d.edges.filter(
    (e) =>
      (e.to.node === id && !kept(inputs, e.to.port)) || (e.from.node === id && !kept(outputs, e.from.port)),
  ))
    d.deleteEdge(e.id);
  d.replaceNode({
    ...composite,
    subgraph: { nodes: inner.doc.nodes, edges: inner.doc.edges, inputs, outputs },
  });
}

/** The document around a composite's inner graph while it is edited (only nodes and edges matter). */
const EMPTY_INNER: GraphDocument = {
  format: DOCUMENT_FORMAT,
  version: DOCUMENT_VERSION,
  meta: { title: '' },
  nodes: [],
  edges: [],
};

/** A composite's subgraph with fresh inner ids, so that two pasted copies can both be ungrouped. */
function freshSubgraph(sub: Subgraph): Subgraph {
  const ids = new Map<NodeId, NodeId>(sub.nodes.map((n) => [n.id, newNodeId(n.type)]));
  const id = (old: NodeId) => ids.get(old) ?? old;
  const port = (p: ExposedPort): ExposedPort => ({ ...p, node: id(p.node) });
  return {
    nodes: sub.nodes.map((n) => ({
      ...n,
      id: id(n.id),
      ...(n.subgraph ? { subgraph: freshSubgraph(n.subgraph) } : {}),
    })),
    edges: sub.edges.map((e) => ({
      id: newEdgeId(),
      from: { ...e.from, node: id(e.from.node) },
      to: { ...e.to, node: id(e.to.node) },
    })),
    inputs: sub.inputs.map(port),
    outputs: sub.outputs.map(port),
  };
}

function paste(d: Draft, nodes: GraphNode[], edges: GraphEdge[], offset: Position): void {
  const fresh = new Map<NodeId, NodeId>();
  for (const n of nodes) fresh.set(n.id, newNodeId(n.type));
  for (const n of nodes) {
    const position = { x: n.position.x + offset.x, y: n.position.y + offset.y };
    const copy: GraphNode = { ...n, id: fresh.get(n.id) as NodeId, position };
    if (n.subgraph) copy.subgraph = freshSubgraph(n.subgraph);
    d.insertNode(copy);
  }
  for (const e of edges) {
    const from = fresh.get(e.from.node);
    const to = fresh.get(e.to.node);
    if (from && to)
      d.insertEdge({
        id: newEdgeId(),
        from: { node: from, port: e.from.port },
        to: { node: to, port: e.to.port },
      });
  }
}
