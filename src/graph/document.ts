/**
 * The graph document: plain JSON records with typed, prefixed ids. Nodes hold their type,
 * params, position and label; edges join an output port to an input port; a composite node
 * holds a subgraph and exposes some of its inner ports as its own.
 */
import type { ParamValue, PortDef } from '../nodes/types.ts';
import type { Catalog } from '../nodes/catalog.ts';

export type NodeId = `node:${string}`;
export type EdgeId = `edge:${string}`;

export const DOCUMENT_FORMAT = 'shapeflow.graph';
/** v1: edges as {source, sourcePort, target, targetPort}; v2: edges as {from, to} port refs. */
export const DOCUMENT_VERSION = 2;
/** The node type of a composite (a node holding a subgraph). */
export const COMPOSITE_TYPE = 'Composite';

export interface Position {
  x: number;
  y: number;
}

export interface PortRef {
  node: NodeId;
  port: string;
}

export interface GraphEdge {
  id: EdgeId;
  from: PortRef;
  to: PortRef;
}

/** An inner port of a composite shown on its outside under `name`. */
export interface ExposedPort {
  name: string;
  node: NodeId;
  port: string;
}

export interface Subgraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  inputs: ExposedPort[];
  outputs: ExposedPort[];
}

export interface GraphNode {
  id: NodeId;
  type: string;
  params: Record<string, ParamValue>;
  position: Position;
  label?: string;
  /** only for `type: 'Composite'` */
  subgraph?: Subgraph;
}

export interface DocumentMeta {
  title: string;
  description?: string;
  /** sizes for symbols in live mode (e.g. N: 8); inference itself keeps symbols free */
  symbols?: Record<string, number>;
  /** template metadata: what the graph teaches, and gallery tags */
  teaches?: string;
  tags?: string[];
}

export interface GraphDocument {
  format: typeof DOCUMENT_FORMAT;
  version: typeof DOCUMENT_VERSION;
  meta: DocumentMeta;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function emptyDocument(title = 'Untitled'): GraphDocument {
  return { format: DOCUMENT_FORMAT, version: DOCUMENT_VERSION, meta: { title }, nodes: [], edges: [] };
}

let idCounter = 0;
const idSession = Math.random().toString(36).slice(2, 6);

/** A fresh node id, e.g. `node:linear_k3x1` (a readable stem plus a session-unique tail). */
export function newNodeId(stem = 'n'): NodeId {
  return `node:${stem.toLowerCase().replace(/[^a-z0-9_]/g, '')}_${idSession}${(idCounter++).toString(36)}`;
}

export function newEdgeId(): EdgeId {
  return `edge:${idSession}${(idCounter++).toString(36)}`;
}

export const isNodeId = (x: unknown): x is NodeId => typeof x === 'string' && /^node:[^\s]{1,120}$/.test(x);
export const isEdgeId = (x: unknown): x is EdgeId => typeof x === 'string' && /^edge:[^\s]{1,120}$/.test(x);

const compositePorts = new WeakMap<Subgraph, { inputs: PortDef[]; outputs: PortDef[] }>();

/** A node's ports: its type's declaration, or a composite's exposed ports (tensor kind). */
export function portsOf(node: GraphNode, catalog: Catalog): { inputs: PortDef[]; outputs: PortDef[] } | null {
  if (node.type === COMPOSITE_TYPE) {
    const sub = node.subgraph;
    if (!sub) return null;
    let ports = compositePorts.get(sub);
    if (!ports) {
      const asPort = (e: ExposedPort): PortDef => ({ name: e.name, kind: 'tensor' });
      ports = { inputs: sub.inputs.map(asPort), outputs: sub.outputs.map(asPort) };
      compositePorts.set(sub, ports);
    }
    return ports;
  }
  // the declaration itself: no object per call on the inference hot path
  return catalog.get(node.type) ?? null;
}

/** Whether an edge enters an input declared `feedback` (recurrent state). */
export function feedbackTest(index: DocumentIndex, catalog: Catalog): (edge: GraphEdge) => boolean {
  return (edge) => {
    const node = index.nodes.get(edge.to.node);
    const ports = node && portsOf(node, catalog);
    return !!ports?.inputs.find((p) => p.name === edge.to.port)?.feedback;
  };
}

/** Lookups over one document snapshot (built once per snapshot, never mutated after). */
export class DocumentIndex {
  readonly nodes: Map<NodeId, GraphNode>;
  readonly edges: Map<EdgeId, GraphEdge>;
  /** node → edges leaving it / entering it */
  readonly outgoing: Map<NodeId, GraphEdge[]>;
  readonly incoming: Map<NodeId, GraphEdge[]>;

  constructor(
    readonly doc: Pick<GraphDocument, 'nodes' | 'edges'>,
    /** an index of a document with the same edges, whose edge maps can be shared */
    sameEdges?: DocumentIndex,
  ) {
    this.nodes = new Map();
    for (const n of doc.nodes) this.nodes.set(n.id, n);
    if (sameEdges) {
      this.edges = sameEdges.edges;
      this.outgoing = sameEdges.outgoing;
      this.incoming = sameEdges.incoming;
      return;
    }
    this.edges = new Map();
    this.outgoing = new Map();
    this.incoming = new Map();
    for (const n of doc.nodes) {
      this.outgoing.set(n.id, []);
      this.incoming.set(n.id, []);
    }
    for (const e of doc.edges) {
      this.edges.set(e.id, e);
      this.outgoing.get(e.from.node)?.push(e);
      this.incoming.get(e.to.node)?.push(e);
    }
  }

  /** The edge feeding an input port, if any. */
  edgeInto(node: NodeId, port: string): GraphEdge | undefined {
    const into = this.incoming.get(node);
    if (!into) return undefined;
    for (const e of into) if (e.to.port === port) return e;
    return undefined;
  }
}

/**
 * Nodes in topological order (Kahn's algorithm, ties in document order), and the nodes left
 * on a cycle. Edges `isFeedback` says close a recurrent loop do not count.
 */
export function topologicalOrder(
  index: DocumentIndex,
  isFeedback: (edge: GraphEdge) => boolean = () => false,
): { order: NodeId[]; cyclic: NodeId[] } {
  const pending = new Map<NodeId, number>();
  const counts = (e: GraphEdge) => !isFeedback(e);
  for (const n of index.doc.nodes) pending.set(n.id, (index.incoming.get(n.id) ?? []).filter(counts).length);
  const order: NodeId[] = [];
  const ready = index.doc.nodes.filter((n) => pending.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i];
    order.push(id);
    for (const e of index.outgoing.get(id) ?? []) {
      if (!counts(e)) continue;
      const left = (pending.get(e.to.node) ?? 0) - 1;
      pending.set(e.to.node, left);
      if (left === 0) ready.push(e.to.node);
    }
  }
  const placed = new Set(order);
  return { order, cyclic: index.doc.nodes.filter((n) => !placed.has(n.id)).map((n) => n.id) };
}
