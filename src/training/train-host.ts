/**
 * The training runtime behind a message port: what runs inside the Web Worker (and in tests,
 * behind a plain function). As the worker's entry it wires the layers together (documents,
 * the node catalog, the engine), like the CLI does on the other side. It owns one session (document, data, Trainer) and obeys typed
 * commands — run, pause, step one batch, step one epoch, reset, stop, recompile — yielding to
 * its message queue between steps so a pause lands within one step.
 */
import '../engine/index.ts';
import type { GraphDocument } from '../graph/document.ts';
import { catalog } from '../nodes/index.ts';
import type { DatasetIO } from '../nodes/sources/dataset.ts';
import type { Backend } from '../engine/backend.ts';
import { cpuBackend } from '../engine/backends/cpu/index.ts';
import type { ParamSyncReport } from '../engine/compile/params.ts';
import { compilerFor, openTrainingSession } from './session.ts';
import type { EpochMetrics, StepMetrics, TrainConfig, Trainer } from '../engine/runtime/train.ts';
import type { NonFiniteReport } from '../engine/runtime/train-guard.ts';
import { type HealthMessage, type MonitorOptions, type ProbeMessage, TrainingMonitor } from './monitor.ts';

export type TrainCommand =
  /** load the document's data, compile it and get ready (files: picked dataset files by name) */
  | {
      type: 'open';
      doc: GraphDocument;
      config?: Partial<TrainConfig>;
      backend?: 'cpu' | 'webgpu';
      files?: Record<string, Uint8Array>;
      /** gradient health every k steps (default 10, 0: off) and its thresholds; probes always run */
      monitor?: MonitorOptions;
    }
  /** change the monitor's options (the health interval) of this and later sessions */
  | { type: 'monitor'; options: MonitorOptions }
  | { type: 'run' }
  | { type: 'pause' }
  | { type: 'stepBatch' }
  | { type: 'stepEpoch' }
  | { type: 'reset'; seed?: number }
  | { type: 'stop' }
  /** the document was edited: keep what still fits, re-initialise the rest */
  | { type: 'recompile'; doc: GraphDocument };

export type RunState = 'idle' | 'running' | 'paused' | 'done' | 'stopped';

export interface SessionInfo {
  backend: string;
  batchSize: number;
  batchesPerEpoch: number;
  epochs: number;
  trainSamples: number;
  valSamples: number;
  parameters: number;
}

export type TrainMessage =
  | { type: 'opened'; info: SessionInfo }
  | { type: 'state'; state: RunState; epoch: number; step: number }
  | { type: 'progress'; metrics: StepMetrics }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'nonfinite'; report: NonFiniteReport }
  | { type: 'recompiled'; report: ParamSyncReport; optimizerStateKept: string[] }
  | { type: 'recovered'; reason: string; fromStep: number; lostSteps: number }
  | { type: 'notice'; message: string }
  /** a command failed; `node` is the graph node it is about, when there is one */
  | { type: 'error'; command: TrainCommand['type']; message: string; node?: string }
  /** per-layer gradient health every k steps; a probe that fired (the run pauses) */
  | HealthMessage
  | ProbeMessage;

/** Progress messages at most this often (plus the last step of each epoch). */
const PROGRESS_INTERVAL_MS = 100;
/** Yield to the message queue at least this often while running. */
const YIELD_INTERVAL_MS = 25;

const yieldToQueue = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function createBackend(
  name: 'cpu' | 'webgpu' | undefined,
  post: (m: TrainMessage) => void,
): Promise<Backend> {
  if (name !== 'webgpu') return cpuBackend;
  const { createWebGPUBackend } = await import('../engine/backends/webgpu/index.ts');
  const gpu = await createWebGPUBackend().catch(() => null);
  if (gpu) return gpu;
  post({ type: 'notice', message: 'WebGPU is not available here; training on the CPU backend instead' });
  return cpuBackend;
}

export class TrainingHost {
  private trainer: Trainer | null = null;
  private state: RunState = 'idle';
  private lastProgress = 0;
  /** the newest step metrics the throttle held back; sent before the run pauses or stops */
  private heldProgress: StepMetrics | null = null;
  private loop: Promise<void> | null = null;
  private monitor: TrainingMonitor | null = null;
  private monitorOptions: MonitorOptions = {};

  constructor(private readonly post: (m: TrainMessage) => void) {}

  /** Handle one command; resolves when it has been carried out (`run` resolves when the loop stops). */
  async handle(cmd: TrainCommand): Promise<void> {
    try {
      await this.dispatch(cmd);
    } catch (e) {
      const node = (e as { node?: unknown }).node;
      this.post({
        type: 'error',
        command: cmd.type,
        message: (e as Error).message,
        ...(typeof node === 'string' && node ? { node } : {}),
      });
    }
  }

  private async dispatch(cmd: TrainCommand): Promise<void> {
    if (cmd.type === 'open') return this.open(cmd);
    if (cmd.type === 'pause') return this.setState(this.state === 'running' ? 'paused' : this.state);
    if (cmd.type === 'monitor') {
      this.monitorOptions = { ...this.monitorOptions, ...cmd.options };
      this.monitor?.configure(this.monitorOptions);
      return;
    }
    const trainer = this.trainer;
    if (!trainer) throw new Error(`'${cmd.type}' needs an open session: send 'open' with a document first`);
    switch (cmd.type) {
      case 'run':
        if (this.state === 'running') return;
        this.setState('running');
        this.loop = this.runLoop(trainer, () => false);
        return this.loop;
      case 'stepBatch':
        await this.loop;
        this.setState('running');
        await this.runLoop(trainer, () => true);
        return;
      case 'stepEpoch': {
        await this.loop;
        this.setState('running');
        const epoch = trainer.epoch;
        await this.runLoop(trainer, () => trainer.epoch > epoch);
        return;
      }
      case 'reset':
        await this.stopLoop('paused');
        trainer.reset(cmd.seed);
        this.setState('idle');
        return;
      case 'stop':
        await this.stopLoop('stopped');
        this.trainer = null;
        return;
      case 'recompile':
        // the trainer's 'recompiled' event says which parameters kept their weights
        trainer.recompile(compilerFor(cmd.doc, catalog));
        this.monitor = new TrainingMonitor(cmd.doc, catalog, this.monitorOptions);
        return;
    }
  }

  private async open(cmd: Extract<TrainCommand, { type: 'open' }>): Promise<void> {
    // before any wait: a 'monitor' command sent while this opens comes later and must win
    this.monitorOptions = cmd.monitor ?? {};
    await this.stopLoop('stopped');
    const files = cmd.files ?? {};
    const io: DatasetIO = {
      async readFile(path) {
        const f = files[path];
        if (!f) throw new Error(`no file named '${path}' was given: pick or drop it first`);
        return f;
      },
    };
    const backend = await createBackend(cmd.backend, this.post);
    const { trainer } = await openTrainingSession(cmd.doc, { catalog, backend, io, config: cmd.config });
    trainer.on((e) => {
      if (e.type === 'step') this.progress(e.metrics);
      else if (e.type === 'epoch') this.post({ type: 'epoch', metrics: e.metrics });
      else if (e.type === 'nonfinite') this.post({ type: 'nonfinite', report: e.report });
      else if (e.type === 'recovered') this.post(e);
      else if (e.type === 'recompiled') this.post(e);
    });
    this.trainer = trainer;
    this.monitor = new TrainingMonitor(cmd.doc, catalog, this.monitorOptions);
    this.post({
      type: 'opened',
      info: {
        backend: backend.name,
        batchSize: trainer.config.batchSize,
        batchesPerEpoch: trainer.batchesPerEpoch,
        epochs: trainer.config.epochs,
        trainSamples: trainer.feed.size('train'),
        valSamples: trainer.feed.size('val'),
        parameters: trainer.plan.params
          .filter((p) => p.trainable)
          .reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
      },
    });
    this.setState('idle');
  }

  private progress(metrics: StepMetrics): void {
    const now = performance.now();
    if (now - this.lastProgress < PROGRESS_INTERVAL_MS && metrics.batch < metrics.batchesPerEpoch) {
      this.heldProgress = metrics;
      return;
    }
    this.lastProgress = now;
    this.heldProgress = null;
    this.post({ type: 'progress', metrics });
  }

  /** Train until `enough()` says so, the run is done, a non-finite value appears, or a pause/stop arrives. */
  private async runLoop(trainer: Trainer, enough: () => boolean): Promise<void> {
    let lastYield = performance.now();
    while (this.state === 'running') {
      if (trainer.done) return this.setState('done');
      await this.monitor?.beforeStep(trainer);
      const outcome = await trainer.trainStep();
      const probed = (await this.monitor?.afterStep(trainer, outcome.ok, this.post)) ?? false;
      if (!outcome.ok || probed) return this.setState('paused');
      if (enough()) return this.setState('paused');
      if (performance.now() - lastYield > YIELD_INTERVAL_MS) {
        await yieldToQueue();
        lastYield = performance.now();
      }
    }
  }

  private async stopLoop(next: RunState): Promise<void> {
    if (this.state === 'running') this.state = next;
    await this.loop;
    this.loop = null;
    this.setState(next);
  }

  private setState(state: RunState): void {
    // a chart that stops moving should show the step it stopped at (one Step batch = one point)
    if (this.heldProgress && state !== 'running') {
      this.post({ type: 'progress', metrics: this.heldProgress });
      this.heldProgress = null;
    }
    this.state = state;
    this.post({ type: 'state', state, epoch: this.trainer?.epoch ?? 0, step: this.trainer?.step ?? 0 });
  }
}
