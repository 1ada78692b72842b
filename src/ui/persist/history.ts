/**
 * Undo history across reloads. The saved stacks are checked against the restored document
 * before they are used: every undo step must find the records it would change where it
 * expects them, else the history is dropped (the document itself is never at risk).
 */
import {
  applyOps,
  type GraphDocument,
  type GraphStore,
  type HistoryEntry,
  invertOps,
  type RecordOp,
} from '../../graph/index.ts';

interface Stacks {
  undo: HistoryEntry[];
  redo: HistoryEntry[];
}

export function exportHistory(store: GraphStore): Stacks {
  return store.exportHistory();
}

const OPS = new Set(['insertNode', 'deleteNode', 'replaceNode', 'insertEdge', 'deleteEdge', 'setMeta']);

function isStacks(x: unknown): x is Stacks {
  const s = x as Stacks | null;
  const entries = (list: unknown) =>
    Array.isArray(list) &&
    list.every(
      (e) =>
        e &&
        typeof e.label === 'string' &&
        Array.isArray(e.ops) &&
        e.ops.every((o: RecordOp) => o && OPS.has(o.op)),
    );
  return !!s && typeof s === 'object' && entries(s.undo) && entries(s.redo);
}

/** The document after ops, or null when they do not fit it (a record missing, or already there). */
function fits(doc: GraphDocument, ops: readonly RecordOp[]): GraphDocument | null {
  let at = doc;
  for (const o of ops) {
    const ok =
      o.op === 'insertNode'
        ? o.index <= at.nodes.length && !at.nodes.some((n) => n.id === o.node.id)
        : o.op === 'insertEdge'
          ? o.index <= at.edges.length && !at.edges.some((e) => e.id === o.edge.id)
          : o.op === 'deleteNode'
            ? at.nodes[o.index]?.id === o.node.id
            : o.op === 'replaceNode'
              ? at.nodes[o.index]?.id === o.before.id
              : o.op === 'deleteEdge'
                ? at.edges[o.index]?.id === o.edge.id
                : true;
    if (!ok) return null;
    at = applyOps(at, [o]);
  }
  return at;
}

/** Restores saved stacks when they fit the store's current document; returns whether it did. */
export function importHistory(store: GraphStore, saved: unknown): boolean {
  if (!isStacks(saved)) return false;
  let doc: GraphDocument | null = store.doc;
  for (let i = saved.undo.length - 1; i >= 0 && doc; i--) doc = fits(doc, invertOps(saved.undo[i].ops));
  let ahead: GraphDocument | null = store.doc;
  for (let i = saved.redo.length - 1; i >= 0 && ahead; i--) ahead = fits(ahead, saved.redo[i].ops);
  if (!doc || !ahead) return false;
  store.importHistory(saved);
  return true;
}
