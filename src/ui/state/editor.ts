/**
 * The editor's state, one slice per concern: the document, inference and history come from
 * the graph store's streams as Solid signals; selection, viewport and messages are the UI's
 * own. Every document change goes through `apply` (the store's edit commands).
 */
import { type Accessor, batch, createMemo, createSignal, type Setter } from 'solid-js';
import {
  type Diagnostic,
  type EdgeId,
  type Edit,
  EditError,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  type GraphStore,
  type HistoryState,
  type NodeId,
  type NodeInference,
  portsOf,
  type RecordOp,
} from '../../graph/index.ts';
import type { Catalog, PortDef } from '../../nodes/index.ts';
import type { Ports } from '../canvas/geometry.ts';
import type { Viewport } from '../controllers/panzoom.ts';

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

type Signal<T> = [Accessor<T>, (value: T) => void];

/** The signal of one record, made on first read from the current document. */
function recordSignal<K, T>(
  signals: Map<K, Signal<T | undefined>>,
  key: K,
  current: () => T | undefined,
): Accessor<T | undefined> {
  let signal = signals.get(key);
  if (!signal) {
    const [get, set] = createSignal(current());
    signal = [get, (v) => set(() => v)];
    signals.set(key, signal);
  }
  return signal[0];
}

const sameList = <T>(a: readonly T[], b: readonly T[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Error and warning diagnostics by the edge they sit on (an error wins over a warning). */
export function issuesByEdge(diagnostics: readonly Diagnostic[]): Map<EdgeId, Diagnostic> {
  const byEdge = new Map<EdgeId, Diagnostic>();
  for (const d of diagnostics) {
    if (!d.edgeId || d.severity === 'info') continue;
    const had = byEdge.get(d.edgeId);
    if (!had || (had.severity === 'warning' && d.severity === 'error')) byEdge.set(d.edgeId, d);
  }
  return byEdge;
}

export function createEditor(store: GraphStore): Editor {
  const [doc, setDoc] = createSignal(store.doc, { equals: false });
  const [diagnostics, setDiagnostics] = createSignal(store.diagnostics);
  const [history, setHistory] = createSignal<HistoryState>({ canUndo: false, canRedo: false });
  const [selection, setSelectionSignal] = createSignal<ReadonlySet<NodeId>>(new Set());
  const [selectedEdge, setSelectedEdge] = createSignal<EdgeId | null>(null);
  const [viewport, setViewport] = createSignal<Viewport>({ x: 40, y: 40, k: 1 });
  const [openIssue, setOpenIssue] = createSignal<OpenIssue | null>(null);
  const [messages, setMessages] = createSignal<Message[]>([]);

  // A transaction emits doc$, then each changed node's type$, then diagnostics$, history$ and
  // transactions$. Updates wait for transactions$ and land in one Solid batch, so a view never
  // recomputes once per node of a transaction (that would be quadratic on load).
  let pending: (() => void)[] | null = null;
  const later = (update: () => void) => {
    if (pending) pending.push(update);
    else update();
  };

  // one signal per node's type$, made on first read, dropped when the stream completes
  const infoSignals = new Map<NodeId, Accessor<NodeInference | undefined>>();
  const info = (id: NodeId) => {
    let signal = infoSignals.get(id);
    if (!signal) {
      if (!store.documentIndex.nodes.has(id)) return undefined;
      const [get, set] = createSignal<NodeInference | undefined>(store.typeOf(id), { equals: false });
      signal = get;
      infoSignals.set(id, get);
      store.type$(id).subscribe({ next: (v) => later(() => set(v)), complete: () => infoSignals.delete(id) });
    }
    return signal();
  };

  // one signal per node and edge record, set only when a transaction touches that record:
  // moving one node re-renders that node and its edges, not the other 299
  const nodeSignals = new Map<NodeId, Signal<GraphNode | undefined>>();
  const edgeSignals = new Map<EdgeId, Signal<GraphEdge | undefined>>();
  const touched = (ops: readonly RecordOp[]) => {
    for (const o of ops) {
      if (o.op === 'setMeta') continue;
      if (o.op === 'insertEdge' || o.op === 'deleteEdge') {
        edgeSignals.get(o.edge.id)?.[1](store.documentIndex.edges.get(o.edge.id));
        continue;
      }
      const id = o.op === 'replaceNode' ? o.after.id : o.node.id;
      nodeSignals.get(id)?.[1](store.documentIndex.nodes.get(id));
    }
  };

  let subscribed = false;
  store.doc$.subscribe((d) => {
    // the current document (replayed on subscribe) is already the signal's value
    if (!subscribed) return;
    pending ??= [];
    pending.push(() => {
      setDoc(d);
      // drop selections of nodes that went away (undo of an add, a delete)
      const ids = store.documentIndex.nodes;
      const sel = selection();
      if ([...sel].some((id) => !ids.has(id)))
        setSelectionSignal(new Set([...sel].filter((id) => ids.has(id))));
      const edge = selectedEdge();
      if (edge && !store.documentIndex.edges.has(edge)) setSelectedEdge(null);
      const issue = openIssue();
      if (issue && !ids.has(issue.nodeId)) setOpenIssue(null);
    });
  });
  subscribed = true;
  store.diagnostics$.subscribe((d) => later(() => setDiagnostics(d)));
  store.history$.subscribe((h) => later(() => setHistory(h)));
  store.transactions$.subscribe((tx) => {
    const updates = pending ?? [];
    pending = null;
    batch(() => {
      touched(tx.ops);
      for (const update of updates) update();
    });
  });

  const nodeIds = createMemo(() => doc().nodes.map((n) => n.id), [], { equals: sameList });
  const edgeIds = createMemo(() => doc().edges.map((e) => e.id), [], { equals: sameList });
  const edgeIssues = createMemo(() => issuesByEdge(diagnostics()));

  // ports of a node: its type's declaration, cached per record (records are immutable)
  const portCache = new WeakMap<GraphNode, Ports | null>();
  const ports = (id: NodeId): Ports | null => {
    const n = node(id);
    if (!n) return null;
    if (!portCache.has(n))
      portCache.set(n, portsOf(n, store.catalog) as { inputs: PortDef[]; outputs: PortDef[] } | null);
    return portCache.get(n) ?? null;
  };
  const node = (id: NodeId) => recordSignal(nodeSignals, id, () => store.documentIndex.nodes.get(id))();
  const edge = (id: EdgeId) => recordSignal(edgeSignals, id, () => store.documentIndex.edges.get(id))();

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
