/**
 * The graph store: the current document, its undo history and its inference, with RxJS
 * streams. Every change is a transaction: edits → record ops → inference of the dirty nodes
 * and their dependents (each once, in topological order) → then, only when all of it is
 * computed, one emission per changed stream. No subscriber sees a mix of old and new.
 */
import { BehaviorSubject, type Observable, Subject } from 'rxjs';
import { type Catalog, catalog as defaultCatalog } from '../nodes/catalog.ts';
import type { Diagnostic } from './diagnostics.ts';
import {
  DocumentIndex,
  emptyDocument,
  feedbackTest,
  type GraphDocument,
  type NodeId,
  topologicalOrder,
} from './document.ts';
import {
  applyEdits,
  applyOps,
  type ChangeSet,
  changesOf,
  type Edit,
  EditError,
  type RecordOp,
} from './edits.ts';
import { History, type HistoryEntry } from './history.ts';
import { type NodeInference, ShapeInference } from './infer.ts';
import { type LoadResult, loadDocument, parseDocument } from './schema.ts';

export type TransactionOrigin = 'edit' | 'undo' | 'redo' | 'load';

/** One applied change, as the UI, autosave or a test sees it. */
export interface Transaction {
  /** increases by one per transaction */
  version: number;
  origin: TransactionOrigin;
  label: string;
  ops: RecordOp[];
  changes: ChangeSet;
  before: GraphDocument;
  after: GraphDocument;
  /** nodes whose shape rule ran, in topological order (= the dirty nodes and their dependents) */
  recomputed: NodeId[];
  /** nodes whose type$ emitted */
  changed: NodeId[];
}

export interface HistoryState {
  canUndo: boolean;
  canRedo: boolean;
  undoLabel?: string;
  redoLabel?: string;
}

export interface ApplyOptions {
  /** shown in the Edit menu ("Move 3 nodes") */
  label?: string;
  /** transactions with the same key in a row are one undo step (a drag, a slider scrub) */
  coalesce?: string;
}

export class GraphStore {
  readonly catalog: Catalog;
  private current: GraphDocument;
  private index: DocumentIndex;
  private order: NodeId[];
  private version = 0;
  private readonly history = new History();
  private readonly inference: ShapeInference;
  private readonly typeSubjects = new Map<NodeId, BehaviorSubject<NodeInference>>();
  /** nodes whose type$ still owes an emission (drained in topological order) */
  private readonly pendingEmit = new Set<NodeId>();
  private readonly docSubject: BehaviorSubject<GraphDocument>;
  private readonly diagnosticsSubject: BehaviorSubject<Diagnostic[]>;
  private readonly historySubject = new BehaviorSubject<HistoryState>({ canUndo: false, canRedo: false });
  private readonly transactionSubject = new Subject<Transaction>();

  /** the document after every transaction */
  readonly doc$: Observable<GraphDocument>;
  /** every diagnostic of the graph, after every transaction that changed any */
  readonly diagnostics$: Observable<Diagnostic[]>;
  readonly history$: Observable<HistoryState> = this.historySubject.asObservable();
  /** every transaction, after its streams have emitted */
  readonly transactions$: Observable<Transaction> = this.transactionSubject.asObservable();

  constructor(options: { catalog?: Catalog; doc?: GraphDocument } = {}) {
    this.catalog = options.catalog ?? defaultCatalog;
    this.current = options.doc ?? emptyDocument();
    this.inference = new ShapeInference(this.catalog);
    this.index = new DocumentIndex(this.current);
    this.order = this.orderOf(this.index);
    this.inference.update(this.index, this.order, 'all');
    this.docSubject = new BehaviorSubject(this.current);
    this.diagnosticsSubject = new BehaviorSubject(this.inference.diagnostics());
    this.doc$ = this.docSubject.asObservable();
    this.diagnostics$ = this.diagnosticsSubject.asObservable();
  }

  get doc(): GraphDocument {
    return this.current;
  }

  /** Lookups over the current document (node by id, edges in and out). */
  get documentIndex(): DocumentIndex {
    return this.index;
  }

  /** Current node ids in topological order. */
  get topologicalOrder(): readonly NodeId[] {
    return this.order;
  }

  /** A node's current inference (the value type$ last emitted). */
  typeOf(id: NodeId): NodeInference | undefined {
    return this.inference.get(id);
  }

  /** symbol → what the whole graph binds it to */
  get bindings(): Map<string, number | string> {
    return this.inference.bindings;
  }

  get diagnostics(): Diagnostic[] {
    return this.diagnosticsSubject.value;
  }

  /**
   * A node's inferred port types and diagnostics: the current value on subscribe, then at
   * most one emission per transaction that changes it; completes when the node is removed.
   */
  type$(id: NodeId): Observable<NodeInference> {
    let subject = this.typeSubjects.get(id);
    if (!subject) {
      const now = this.inference.get(id);
      if (!now) throw new EditError('unknown_node', `no node ${id}`);
      subject = new BehaviorSubject(now);
      this.typeSubjects.set(id, subject);
    }
    return subject.asObservable();
  }

  /** Apply edits as one transaction (one undo step); all or nothing. */
  apply(edits: Edit | readonly Edit[], options: ApplyOptions = {}): Transaction | EditError {
    const list = Array.isArray(edits) ? (edits as readonly Edit[]) : [edits as Edit];
    const result = applyEdits(this.current, list, this.catalog);
    if (result instanceof EditError) return result;
    const label = options.label ?? describeEdits(list);
    this.history.record({ label, ops: result.ops, coalesce: options.coalesce });
    return this.commit(result.doc, result.ops, 'edit', label);
  }

  /** Ends a continuous gesture: the next transaction is its own undo step. */
  endGesture(): void {
    this.history.seal();
  }

  undo(): Transaction | null {
    const step = this.history.takeUndo();
    return step && this.commit(applyOps(this.current, step.ops), step.ops, 'undo', step.label);
  }

  redo(): Transaction | null {
    const step = this.history.takeRedo();
    return step && this.commit(applyOps(this.current, step.ops), step.ops, 'redo', step.label);
  }

  /**
   * Replace the document with one read from untrusted JSON text (or an already parsed value).
   * On failure nothing changes and the typed errors come back. History starts afresh.
   */
  load(input: string | unknown): LoadResult {
    const result =
      typeof input === 'string' ? loadDocument(input, this.catalog) : parseDocument(input, this.catalog);
    if (!result.ok) return result;
    const before = this.current;
    const ops: RecordOp[] = [
      ...before.edges.map((edge): RecordOp => ({ op: 'deleteEdge', edge, index: 0 })),
      ...before.nodes.map((node): RecordOp => ({ op: 'deleteNode', node, index: 0 })),
      { op: 'setMeta', before: before.meta, after: result.doc.meta },
      ...result.doc.nodes.map((node, index): RecordOp => ({ op: 'insertNode', node, index })),
      ...result.doc.edges.map((edge, index): RecordOp => ({ op: 'insertEdge', edge, index })),
    ];
    this.history.clear();
    this.commit(result.doc, ops, 'load', 'Open document');
    return result;
  }

  /** The undo and redo steps as plain data, for autosave. */
  exportHistory(): { undo: HistoryEntry[]; redo: HistoryEntry[] } {
    return this.history.snapshot();
  }

  /** Restore steps from `exportHistory()` taken with the current document (after `load`). */
  importHistory(stacks: { undo: HistoryEntry[]; redo: HistoryEntry[] }): void {
    this.history.restore(stacks);
    this.historySubject.next({
      canUndo: this.history.canUndo,
      canRedo: this.history.canRedo,
      undoLabel: this.history.nextUndoLabel,
      redoLabel: this.history.nextRedoLabel,
    });
  }

  private orderOf(index: DocumentIndex): NodeId[] {
    return topologicalOrder(index, feedbackTest(index, this.catalog)).order;
  }

  /** Swap in the new document, infer, then emit: doc$, each changed type$, diagnostics$, history$, transactions$. */
  private commit(
    after: GraphDocument,
    ops: RecordOp[],
    origin: TransactionOrigin,
    label: string,
  ): Transaction {
    const before = this.current;
    const changes = changesOf(ops);
    this.current = after;
    const version = ++this.version;
    // the edge maps carry over when no node or edge was added or removed (param edits, moves)
    this.index = new DocumentIndex(after, changes.structural ? undefined : this.index);
    if (changes.structural) this.order = this.orderOf(this.index);
    const seeds = [...changes.dirty].filter((id) => this.index.nodes.has(id));
    const sweep =
      changes.dirty.size > 0 || changes.removed.size > 0
        ? this.inference.update(this.index, this.order, seeds, changes.removed)
        : { recomputed: [], changed: [] };
    const tx: Transaction = {
      version,
      origin,
      label,
      ops,
      changes,
      before,
      after,
      recomputed: sweep.recomputed,
      changed: sweep.changed,
    };
    for (const id of sweep.changed) this.pendingEmit.add(id);
    this.emit(tx);
    return tx;
  }

  private emit(tx: Transaction): void {
    const stale = () => this.version !== tx.version;
    for (const id of tx.changes.removed) {
      if (this.index.nodes.has(id)) continue;
      this.pendingEmit.delete(id);
      this.typeSubjects.get(id)?.complete();
      this.typeSubjects.delete(id);
    }
    this.docSubject.next(this.current);
    for (const id of this.order) {
      // a subscriber may start another transaction: it emits the newest values, we stop
      if (stale()) return;
      if (!this.pendingEmit.delete(id)) continue;
      const info = this.inference.get(id);
      if (info) this.typeSubjects.get(id)?.next(info);
    }
    if (stale()) return;
    if (tx.changed.length > 0 || tx.changes.removed.size > 0)
      this.diagnosticsSubject.next(this.inference.diagnostics());
    this.historySubject.next({
      canUndo: this.history.canUndo,
      canRedo: this.history.canRedo,
      undoLabel: this.history.nextUndoLabel,
      redoLabel: this.history.nextRedoLabel,
    });
    if (!stale()) this.transactionSubject.next(tx);
  }
}

function describeEdits(edits: readonly Edit[]): string {
  if (edits.length === 0) return 'Nothing';
  const words: Record<Edit['kind'], string> = {
    addNode: 'Add node',
    removeNode: 'Delete node',
    connect: 'Connect',
    disconnect: 'Disconnect',
    setParam: 'Change param',
    move: 'Move',
    rename: 'Rename',
    setMeta: 'Edit document info',
    group: 'Group',
    ungroup: 'Ungroup',
    editInside: 'Edit inside composite',
    paste: 'Paste',
  };
  const first = words[edits[0].kind];
  return edits.every((e) => e.kind === edits[0].kind) ? first : `${first} and more`;
}
