/**
 * Autosave to IndexedDB: after every transaction the document (and, when the store can give
 * it, the undo history) is written; writes coalesce so a drag costs one write per frame at most.
 */
import type { Editor } from '../state/editor.ts';

const DB_NAME = 'shapeflow';
const STORE = 'autosave';
const KEY = 'current';

export interface Snapshot {
  /** the document as saveDocument writes it */
  doc: string;
  /** the store's undo history, when it can be exported */
  history?: unknown;
  savedAt: number;
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB unavailable'));
  });
}

async function withStore<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = run(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
    });
  } finally {
    db.close();
  }
}

export async function readSnapshot(): Promise<Snapshot | null> {
  if (typeof indexedDB === 'undefined') return null;
  try {
    const value = await withStore<unknown>('readonly', (s) => s.get(KEY));
    const snap = value as Snapshot | undefined;
    return snap && typeof snap.doc === 'string' ? snap : null;
  } catch {
    return null;
  }
}

export async function writeSnapshot(snapshot: Snapshot): Promise<void> {
  await withStore('readwrite', (s) => s.put(snapshot, KEY));
}

export async function clearSnapshot(): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  await withStore('readwrite', (s) => s.delete(KEY));
}

/**
 * Writes a snapshot after each transaction. `snapshot()` is called when the write happens
 * (so a burst of transactions writes the latest state once). Returns the stopper, and a
 * promise-returning `flush` (tests, page hide).
 */
export function startAutosave(
  editor: Editor,
  snapshot: () => Snapshot,
): { stop(): void; flush(): Promise<void> } {
  let scheduled: Promise<void> | null = null;
  let failedOnce = false;
  const write = async () => {
    scheduled = null;
    try {
      await writeSnapshot(snapshot());
    } catch (e) {
      if (!failedOnce)
        editor.notify('error', `Autosave failed: ${e instanceof Error ? e.message : String(e)}`);
      failedOnce = true;
    }
  };
  const schedule = () => {
    scheduled ??= new Promise<void>((r) => setTimeout(r, 0)).then(write);
    return scheduled;
  };
  const sub = editor.store.transactions$.subscribe(() => void schedule());
  return {
    stop: () => sub.unsubscribe(),
    flush: () => scheduled ?? Promise.resolve(),
  };
}
