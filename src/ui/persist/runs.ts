/**
 * Training runs kept in IndexedDB: each run's graph snapshot, seed, config and the metrics
 * it produced, so runs can be listed, reopened and overlaid in the dashboard. A separate
 * database from the autosave, so neither's schema upgrade blocks the other.
 */
import type { RunState } from '../../training/worker-client.ts';

/** The per-step curves of one run, column-wise (one entry per reported step). */
export interface RunSeries {
  steps: number[];
  loss: number[];
  accuracy: (number | null)[];
  /** the first optimizer's lr at each reported step */
  lr: number[];
  /** ‖∇‖ per graph node with parameters; null where a step did not report that node */
  gradNorms: Record<string, (number | null)[]>;
}

export interface EpochRow {
  epoch: number;
  /** optimizer steps done when the epoch ended (its x position on the step axis) */
  step: number;
  trainLoss: number;
  trainAccuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  samplesPerSec: number;
  /** scalar outputs of evaluator nodes on the validation split, by `<node id>:<port>` */
  valMetrics?: Record<string, number>;
}

export type RunStatus = RunState | 'nonfinite';

export interface RunRecord {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  /** the graph as saveDocument wrote it when the run started */
  doc: string;
  seed: number;
  /** the run config sent to the trainer (epochs, fallback optimizer, ...) */
  config: Record<string, unknown>;
  backend: string;
  /** where the data came from, in words ('MNIST (bundled)', 'IDX: train-images…') */
  dataset: string;
  status: RunStatus;
  series: RunSeries;
  epochs: EpochRow[];
}

/** What the runs list shows, without the curves. */
export type RunSummary = Omit<RunRecord, 'series' | 'epochs' | 'doc'> & {
  steps: number;
  lastLoss: number | null;
};

export interface RunStore {
  /** newest first */
  list(): Promise<RunSummary[]>;
  get(id: string): Promise<RunRecord | null>;
  put(run: RunRecord): Promise<void>;
  remove(id: string): Promise<void>;
}

export function emptySeries(): RunSeries {
  return { steps: [], loss: [], accuracy: [], lr: [], gradNorms: {} };
}

export function summaryOf(run: RunRecord): RunSummary {
  const { series, epochs: _epochs, doc: _doc, ...rest } = run;
  const n = series.loss.length;
  return { ...rest, steps: series.steps[n - 1] ?? 0, lastLoss: n ? series.loss[n - 1] : null };
}

const newestFirst = (a: RunSummary, b: RunSummary) => b.createdAt - a.createdAt;

/** A store in memory (tests, and browsers without IndexedDB). Records are copied in and out. */
export function memoryRunStore(): RunStore {
  const runs = new Map<string, RunRecord>();
  return {
    async list() {
      return [...runs.values()].map(summaryOf).sort(newestFirst);
    },
    async get(id) {
      const run = runs.get(id);
      return run ? structuredClone(run) : null;
    },
    async put(run) {
      runs.set(run.id, structuredClone(run));
    },
    async remove(id) {
      runs.delete(id);
    },
  };
}

const DB_NAME = 'shapeflow-runs';
const STORE = 'runs';

function openDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB unavailable'));
  });
}

/** Runs in IndexedDB (one record per run, keyed by id); falls back to memory without IndexedDB. */
export function indexedDbRunStore(name = DB_NAME): RunStore {
  if (typeof indexedDB === 'undefined') return memoryRunStore();
  let db: Promise<IDBDatabase> | null = null;
  const request = async <T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>) => {
    db ??= openDb(name);
    const handle = await db;
    return new Promise<T>((resolve, reject) => {
      const tx = handle.transaction(STORE, mode);
      const req = run(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error(`saving training runs failed (${mode})`));
      tx.onabort = () => reject(tx.error ?? new Error('saving training runs was aborted'));
    });
  };
  return {
    async list() {
      const all = await request<RunRecord[]>('readonly', (s) => s.getAll());
      return all.map(summaryOf).sort(newestFirst);
    },
    async get(id) {
      return (await request<RunRecord | undefined>('readonly', (s) => s.get(id))) ?? null;
    },
    async put(run) {
      await request('readwrite', (s) => s.put(run));
    },
    async remove(id) {
      await request('readwrite', (s) => s.delete(id));
    },
  };
}
