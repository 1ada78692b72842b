/**
 * The editor's state, one slice per concern: the document, inference and history come from
 * the graph store's streams as Solid signals; selection, viewport and messages are the UI's
 * own. Every document change goes through `apply` (the store's edit commands).
 */
import { type Accessor, batch, createMemo, createSignal, type Setter } from 'solid-js';
import {
  type Diagnostic,
  type Edit,
  EditError,
  type EdgeId,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  type GraphStore,
  type HistoryState,
  type NodeId,
  type NodeInference,
  portsOf,
} from '../../graph/index.ts';
import type { Catalog, PortDef } from '../../nodes/index.ts';
import type { Viewport } from '../controllers/panzoom.ts';
import type { Ports } from '../canvas/geometry.ts';

export interface Message {
  id: number;
  kind: 'error' | 'info';
  text: string;
  /** extra lines (load errors with their paths) */
  details?: string[];
}

/** The diagnostic the issue popover shows: a node's, anchored at a screen point. */
export interface OpenIssue {
  nodeId: NodeId;
  edgeId?: EdgeId;
}

export interface Editor {
  readonly store: GraphStore;
  readonly catalog: Catalog;
  doc: Accessor<GraphDocument>;
  /** node ids in document order; changes only when a node is added or removed */
  nodeIds: Accessor<NodeId[]>;
  edgeIds: Accessor<EdgeId[]>;
  node(id: NodeId): GraphNode | undefined;
  edge(id: EdgeId): GraphEdge | undefined;
  ports(id: NodeId): Ports | null;
  /** a node's inference, from its type$ stream */
  info(id: NodeId): NodeInference | undefined;
  diagnostics: Accessor<Diagnostic[]>;
  /** error/warning diagnostics by the edge they sit on */
  edgeIssues: Accessor<Map<EdgeId, Diagnostic>>;
  history: Accessor<HistoryState>;
  selection: Accessor<ReadonlySet<NodeId>>;
  setSelection(ids: Iterable<NodeId>): void;
  selectedEdge: Accessor<EdgeId | null>;
  setSelectedEdge: Setter<EdgeId | null>;
  viewport: Accessor<Viewport>;
  setViewport: Setter<Viewport>;
  openIssue: Accessor<OpenIssue | null>;
  setOpenIssue: Setter<OpenIssue | null>;
  messages: Accessor<Message[]>;
  notify(kind: Message['kind'], text: string, details?: string[]): void;
  dismiss(id: number): void;
  /** one transaction; an EditError becomes a message and the document stays as it was */
  apply(edits: Edit | readonly Edit[], options?: { label?: string; coalesce?: string }): boolean;
  undo(): void;
  redo(): void;
}

const sameList = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function createEditor(store: GraphStore): Editor {
  const [doc, setDoc] = createSignal(store.doc, { equals: false });
  const [diagnostics, setDiagnostics] = createSignal(store.diagnostics);
  const [history, setHistory] = createSignal<HistoryState>({ canUndo: false, canRedo: false });
  const [selection, setSelectionSignal] = createSignal<ReadonlySet<NodeId>>(new Set());
  const [selectedEdge, setSelectedEdge] = createSignal<EdgeId | null>(null);
  const [viewport, setViewport] = createSignal<Viewport>({ x: 40, y: 40, k: 1 });
  const [openIssue, setOpenIssue] = createSignal<OpenIssue | null>(null);
  const [messages, setMessages] = createSignal<Message[]>([]);

  // one signal per node's type$, made on first read, dropped when the stream completes
  const infoSignals = new Map<NodeId, Accessor<NodeInference | undefined>>();
  const info = (id: NodeId) => {
    let signal = infoSignals.get(id);
    if (!signal) {
      if (!store.documentIndex.nodes.has(id)) return undefined;
      const [get, set] = createSignal<NodeInference | undefined>(store.typeOf(id), { equals: false });
      signal = get;
      infoSignals.set(id, get);
      store.type$(id).subscribe({ next: (v) => set(v), complete: () => infoSignals.delete(id) });
    }
    return signal();
  };

  store.doc$.subscribe((d) => {
    batch(() => {
      setDoc(d);
      // drop selections of nodes that went away (undo of an add, a delete)
      const ids = store.documentIndex.nodes;
      const sel = selection();
      if ([...sel].some((id) => !ids.has(id))) setSelectionSignal(new Set([...sel].filter((id) => ids.has(id))));
      const edge = selectedEdge();
      if (edge && !store.documentIndex.edges.has(edge)) setSelectedEdge(null);
      const issue = openIssue();
      if (issue && !ids.has(issue.nodeId)) setOpenIssue(null);
    });
  });
  store.diagnostics$.subscribe(setDiagnostics);
  store.history$.subscribe(setHistory);

  const nodeIds = createMemo(() => doc().nodes.map((n) => n.id), [], { equals: sameList });
  const edgeIds = createMemo(() => doc().edges.map((e) => e.id), [], { equals: sameList });
  const edgeIssues = createMemo(() => {
    const byEdge = new Map<EdgeId, Diagnostic>();
    for (const d of diagnostics()) {
      if (!d.edgeId || d.severity === 'info') continue;
      const had = byEdge.get(d.edgeId);
      if (!had || (had.severity === 'warning' && d.severity === 'error')) byEdge.set(d.edgeId, d);
    }
    return byEdge;
  });

  // ports of a node: its type's declaration, cached per record (records are immutable)
  const portCache = new WeakMap<GraphNode, Ports | null>();
  const ports = (id: NodeId): Ports | null => {
    const n = node(id);
    if (!n) return null;
    if (!portCache.has(n)) portCache.set(n, portsOf(n, store.catalog) as { inputs: PortDef[]; outputs: PortDef[] } | null);
    return portCache.get(n) ?? null;
  };
  const node = (id: NodeId) => {
    doc();
    return store.documentIndex.nodes.get(id);
  };
  const edge = (id: EdgeId) => {
    doc();
    return store.documentIndex.edges.get(id);
  };

  let messageId = 0;
  const notify = (kind: Message['kind'], text: string, details?: string[]) => {
    const m: Message = { id: ++messageId, kind, text, details };
    setMessages((list) => [...list.slice(-3), m]);
    if (kind === 'info') setTimeout(() => dismiss(m.id), 4000);
  };
  const dismiss = (id: number) => setMessages((list) => list.filter((m) => m.id !== id));

  return {
    store,
    catalog: store.catalog,
    doc,
    nodeIds,
    edgeIds,
    node,
    edge,
    ports,
    info,
    diagnostics,
    edgeIssues,
    history,
    selection,
    setSelection: (ids) => setSelectionSignal(new Set(ids)),
    selectedEdge,
    setSelectedEdge,
    viewport,
    setViewport,
    openIssue,
    setOpenIssue,
    messages,
    notify,
    dismiss,
    apply(edits, options) {
      const result = store.apply(edits, options);
      if (result instanceof EditError) {
        notify('error', result.message);
        return false;
      }
      return true;
    },
    undo: () => void store.undo(),
    redo: () => void store.redo(),
  };
}
