/**
 * The editor's handle on the training runtime in a Web Worker. Typed commands go in; typed
 * messages come out; the UI thread never waits on a training step.
 *
 * ```ts
 * const client = new TrainingClient(createTrainingWorker());
 * client.on('progress', ({ metrics }) => chart.push(metrics.step, metrics.loss)); // ≤ 10/s
 * client.on('epoch', ({ metrics }) => table.add(metrics));       // train/val loss, accuracy
 * client.on('nonfinite', ({ report }) => highlight(report.node)); // paused; report.inputs has stats
 * client.on('state', ({ state }) => buttons.set(state));          // idle|running|paused|done|stopped
 * const info = await client.open(store.doc, { epochs: 5 }, 'webgpu', pickedFiles);
 * client.run(); client.pause(); client.stepBatch(); client.stepEpoch(); client.reset(42); client.stop();
 * client.recompile(store.doc);  // after an edit: 'recompiled' says which layers kept their weights
 * ```
 */
import type { GraphDocument } from '../graph/document.ts';
import type { TrainConfig } from '../engine/runtime/train.ts';
import type { MonitorOptions } from './monitor.ts';
import type { SessionInfo, TrainCommand, TrainMessage } from './train-host.ts';

export type { RunState, SessionInfo, TrainCommand, TrainMessage } from './train-host.ts';

/** What the client needs of a Worker (a MessagePort or a test double will do too). */
export interface WorkerLike {
  postMessage(message: TrainCommand, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<TrainMessage>) => void): void;
  terminate?(): void;
}

type Listener<T extends TrainMessage['type']> = (m: Extract<TrainMessage, { type: T }>) => void;

/** A module worker running the training runtime (bundled by Vite from train-worker.ts). */
export function createTrainingWorker(): Worker {
  return new Worker(new URL('./train-worker.ts', import.meta.url), {
    type: 'module',
    name: 'shapeflow-training',
  });
}

export class TrainingClient {
  private readonly listeners = new Map<string, Set<(m: TrainMessage) => void>>();

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', (e) => {
      for (const l of this.listeners.get(e.data.type) ?? []) l(e.data);
    });
  }

  /** Listen to one kind of message; returns the function that stops listening. */
  on<T extends TrainMessage['type']>(type: T, listener: Listener<T>): () => void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener as (m: TrainMessage) => void);
    this.listeners.set(type, set);
    return () => set.delete(listener as (m: TrainMessage) => void);
  }

  /**
   * Load the document's data and compile it (`monitor`: how often gradient health is reported);
   * resolves with the session's sizes, rejects with the error message.
   */
  open(
    doc: GraphDocument,
    config: Partial<TrainConfig> = {},
    backend: 'cpu' | 'webgpu' = 'webgpu',
    files: Record<string, Uint8Array> = {},
    monitor: MonitorOptions = {},
  ): Promise<SessionInfo> {
    return new Promise((resolve, reject) => {
      const offOpened = this.on('opened', (m) => {
        offOpened();
        offError();
        resolve(m.info);
      });
      const offError = this.on('error', (m) => {
        if (m.command !== 'open') return;
        offOpened();
        offError();
        reject(Object.assign(new Error(m.message), { node: m.node }));
      });
      this.worker.postMessage({ type: 'open', doc, config, backend, files, monitor });
    });
  }

  run(): void {
    this.worker.postMessage({ type: 'run' });
  }

  pause(): void {
    this.worker.postMessage({ type: 'pause' });
  }

  stepBatch(): void {
    this.worker.postMessage({ type: 'stepBatch' });
  }

  stepEpoch(): void {
    this.worker.postMessage({ type: 'stepEpoch' });
  }

  /** Start over from a seed (the run's own when left out). */
  reset(seed?: number): void {
    this.worker.postMessage({ type: 'reset', seed });
  }

  stop(): void {
    this.worker.postMessage({ type: 'stop' });
  }

  /** Change how often gradient health is reported, from the next step on. */
  configureMonitor(options: MonitorOptions): void {
    this.worker.postMessage({ type: 'monitor', options });
  }

  recompile(doc: GraphDocument): void {
    this.worker.postMessage({ type: 'recompile', doc });
  }

  terminate(): void {
    this.worker.terminate?.();
  }
}
