/**
 * Autosave to IndexedDB: after transactions the document (and, when the store can give it, the
 * undo history) is written; writes coalesce, so a drag's frames cost one write, not one each.
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

/** Quiet time after the last transaction before a write: a drag's frames make one write, not one each. */
export const AUTOSAVE_QUIET_MS = 250;
/** A stream of transactions that never pauses (a long drag) is still written this often. */
export const AUTOSAVE_MAX_WAIT_MS = 2000;

/**
 * Writes a snapshot after transactions: once they pause for AUTOSAVE_QUIET_MS, at least every
 * AUTOSAVE_MAX_WAIT_MS while they go on, and at once when the page is hidden or closed.
 * `snapshot()` is called when the write happens, so it writes the latest state. Returns the
 * stopper and `flush` (write what is pending now; tests, page hide).
 */
export function startAutosave(
  editor: Editor,
  snapshot: () => Snapshot,
  write: (s: Snapshot) => Promise<void> = writeSnapshot,
): { stop(): void; flush(): Promise<void> } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pendingSince: number | null = null;
  let writing: Promise<void> = Promise.resolve();
  let failedOnce = false;
  const writeNow = (): Promise<void> => {
    clearTimeout(timer);
    if (pendingSince === null) return writing;
    pendingSince = null;
    // one write at a time, in order: a later snapshot never lands under an earlier one
    writing = writing.then(async () => {
      try {
        await write(snapshot());
      } catch (e) {
        if (!failedOnce)
          editor.notify('error', `Autosave failed: ${e instanceof Error ? e.message : String(e)}`);
        failedOnce = true;
      }
    });
    return writing;
  };
  const schedule = () => {
    const now = Date.now();
    pendingSince ??= now;
    clearTimeout(timer);
    const wait = Math.min(AUTOSAVE_QUIET_MS, pendingSince + AUTOSAVE_MAX_WAIT_MS - now);
    timer = setTimeout(() => void writeNow(), Math.max(0, wait));
  };
  const sub = editor.store.transactions$.subscribe(schedule);
  const onPageHide = () => void writeNow();
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') void writeNow();
  };
  const page = typeof window === 'undefined' ? null : window;
  page?.addEventListener('pagehide', onPageHide);
  page?.document.addEventListener('visibilitychange', onVisibility);
  return {
    stop: () => {
      sub.unsubscribe();
      clearTimeout(timer);
      page?.removeEventListener('pagehide', onPageHide);
      page?.document.removeEventListener('visibilitychange', onVisibility);
    },
    flush: writeNow,
  };
}
