/**
 * The train loop, backend-agnostic, with the anatomy the study notes teach:
 * zero_grad → forward → loss → backward → (clip) → optimizer step → scheduler step.
 *
 * Where weights and optimizer state live:
 * - On the device, when the backend runs every optimizer's kernel (WebGPU): the weights are
 *   device tensors the optimizers update in place (`DeviceParams`, `DeviceOptimizer`), and a
 *   step reads back only what the dashboard shows — the loss, the gradient norms, the accuracy
 *   counts and one non-finite flag — together, at its end. Every K steps a checkpoint is read
 *   back asynchronously; a lost device resumes from it. A non-finite flag replays the steps since
 *   that checkpoint on the host, checking each, to point at the first node that went bad.
 * - On the host otherwise (the CPU backend, or an optimizer without a device kernel): each step
 *   uploads the weights as fresh leaf tensors, runs forward and backward on the backend and reads
 *   the gradients back for the update (`ParamStore`, the runtime's optimizers).
 * The host `ParamStore` is the device's mirror, brought up to date by `syncHost()`.
 * Gradients of k micro-batches add up (each scaled by 1/k) before one update.
 */
import { BackwardPass } from '../autograd/backward.ts';
import type { Backend } from '../backend.ts';
import { executePlan, forgetConstants, type Mode, prepareConstants } from '../compile/execute.ts';
import { ParamStore, type ParamSyncReport } from '../compile/params.ts';
import { type Plan, type PlanOptimizer, withDefaultOptimizer } from '../compile/plan.ts';
import { scalar } from '../create.ts';
import { run } from '../dispatch.ts';
import { add, mul } from '../functional.ts';
import type { Storage, Tensor } from '../tensor.ts';
import { DeviceParams } from './device-params.ts';
import { clipGradNorm, clipGradTensors, clipGradValue } from './optimizers/clip.ts';
import {
  canStepOnDevice,
  DeviceOptimizer,
  type DeviceStateMap,
  pruneDeviceState,
} from './optimizers/device.ts';
import { createOptimizer, type Optimizer } from './optimizers/index.ts';
import type { ParamState } from './optimizers/optimizer.ts';
import { paramTensor } from './params.ts';
import { createScheduler, type LrScheduler } from './schedulers/index.ts';
import { type DataFeed, epochBatches, type Split } from './train-data.ts';
import {
  allFinite,
  locateBackward,
  locateForward,
  type NonFiniteReport,
  suggestionsFor,
} from './train-guard.ts';

export interface TrainConfig {
  /** samples per micro-batch: the size the symbol N is bound to */
  batchSize: number;
  epochs: number;
  seed: number;
  shuffle?: boolean;
  /** micro-batches per optimizer step; overrides the optimizers' own `accumulation_steps` */
  accumulate?: number;
  /** keep a CPU-side copy of weights and optimizer state every K optimizer steps (default 50) */
  checkpointEvery?: number;
  /** run the validation split after each epoch (default true when the feed has one) */
  validate?: boolean;
  /** batch size for validation (default: batchSize) */
  evalBatchSize?: number;
  /** when schedulers step: after every optimizer step (PyTorch's per-iteration use, default) or per epoch */
  schedulerInterval?: 'step' | 'epoch';
  /** 'host' keeps weights and optimizer state on the CPU side even where the device could train (default: the device where it can) */
  residency?: 'device' | 'host';
  /** on the device, record the next step's forward and backward before awaiting this step's results (default true) */
  overlap?: boolean;
  /** used when the graph holds no optimizer node */
  optimizer?: {
    name: string;
    hyperparams?: Record<string, unknown>;
    scheduler?: { name: string; params: Record<string, unknown> } | null;
    clip?: { maxNorm?: number; normType?: number; value?: number } | null;
  };
}

/** Compiles the graph with the symbols bound (N = a batch size); throws a CompileError. */
export type CompileFn = (symbols: Record<string, number>) => Plan;

export interface StepMetrics {
  epoch: number;
  /** optimizer steps done, over the whole run */
  step: number;
  /** micro-batches done in this epoch, of `batchesPerEpoch` */
  batch: number;
  batchesPerEpoch: number;
  loss: number;
  /** fraction of correct argmax predictions when the loss is cross-entropy on class indices */
  accuracy?: number;
  /** the lr each optimizer used for this step, by optimizer node */
  lr: Record<string, number>;
  /** ‖∇‖ per graph node with parameters, before clipping */
  gradNorms: Record<string, number>;
  samplesPerSec: number;
  /** seconds left in this epoch at the current rate */
  etaSec: number;
}

export interface EvalMetrics {
  loss: number;
  accuracy?: number;
  samples: number;
  /** evaluator nodes' outputs by `<node id>:<port>` (scalars averaged over samples, others summed) */
  metrics?: Record<string, number | number[]>;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy?: number;
  val: EvalMetrics | null;
  seconds: number;
  samplesPerSec: number;
}

export type TrainEvent =
  | { type: 'step'; metrics: StepMetrics }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'nonfinite'; report: NonFiniteReport }
  | { type: 'recovered'; reason: string; fromStep: number; lostSteps: number }
  | { type: 'recompiled'; report: ParamSyncReport; optimizerStateKept: string[] };

export type StepOutcome =
  | { ok: true; metrics: StepMetrics; epochDone: EpochMetrics | null }
  | { ok: false; report: NonFiniteReport };

interface BoundOptimizer {
  plan: PlanOptimizer;
  optimizer: Optimizer;
  scheduler: LrScheduler | null;
  /** its steps on the device, where the backend runs its kernel */
  device: DeviceOptimizer | null;
}

/** A device step's forward and backward passes, recorded (not yet awaited). */
interface RecordedStep {
  step: number;
  batch: number;
  epoch: number;
  micro: number;
  /** per optimizer, per parameter: the gradient, averaged over the micro-batches */
  grads: (Tensor | null)[][];
  losses: { value: Tensor; samples: number }[];
  accuracy: Promise<{ correct: number; counted: number }>[];
  /** what the step made and frees once its reads are issued */
  made: Tensor[];
  watched: { key: string; value: Tensor; owned: boolean }[];
  samples: number;
}

function discardRecorded(r: RecordedStep): void {
  disposeAll([...r.made, ...r.grads.flat()]);
}

/**
 * A read issued now and awaited at the end of the step. Its rejection is marked handled here:
 * when the step throws first (a lost device, an edit) nobody awaits it, and Node would report
 * it as unhandled; whoever does await it still gets the error.
 */
function awaitedLater<T>(read: Promise<T>): Promise<T> {
  read.catch(() => {});
  return read;
}

/** What a device step reads back, all at its end. */
interface DeviceStepReads {
  losses: Promise<Storage>[];
  sumSquares: Promise<Storage> | null;
  /** the parameter behind each of `sumSquares`, and the power of two its gradient was scaled by */
  normed: { key: string; scale: number }[];
  accuracy: Promise<{ correct: number; counted: number }>[];
  finiteBefore: Promise<boolean>;
  finiteAfter: Promise<boolean>;
  gradients: Promise<void>;
}

interface Checkpoint {
  step: number;
  epoch: number;
  batch: number;
  params: Map<string, Float32Array>;
  optimizers: { lr: number; hyperparams: unknown; state: ParamState[] }[];
  schedulers: (unknown | null)[];
  epochLoss: { sum: number; correct: number; counted: number; samples: number; seconds: number };
}

type Scoped = Backend & { scope?<T>(fn: () => T): T; ready?(): Promise<void> };

const copyState = (s: ParamState[]): ParamState[] =>
  s.map((p) => ({
    step: p.step,
    buffers: Object.fromEntries(Object.entries(p.buffers).map(([k, v]) => [k, Float32Array.from(v)])),
  }));

const isDeviceLost = (e: unknown) =>
  e instanceof Error && (e.name === 'DeviceLostError' || /device was lost/.test(e.message));

export class Trainer {
  readonly params = new ParamStore();
  private plans = new Map<number, Plan>();
  private optimizers: BoundOptimizer[] = [];
  private listeners: ((e: TrainEvent) => void)[] = [];
  private checkpoint: Checkpoint | null = null;
  /** a device checkpoint being read back */
  private pendingCheckpoint: Promise<void> | null = null;
  /** device copies of the weights and optimizer buffers, where the backend can update in place */
  private readonly device: { params: DeviceParams; state: DeviceStateMap } | null;
  /** host steps re-running the steps since a checkpoint to locate a non-finite value: no events */
  private replaying = false;
  /** the next device step's forward and backward, recorded while this step's results came back */
  private ahead: RecordedStep | null = null;
  /**
   * Read every gradient back after each device step into `lastGradients` (the conformance runner,
   * a health report ask for them); host steps always have them.
   */
  keepGradients = false;
  /** completed epochs */
  epoch = 0;
  /** micro-batches done in the current epoch */
  private batch = 0;
  /** optimizer steps done */
  step = 0;
  private batches: Int32Array[] = [];
  private epochStats = { sum: 0, correct: 0, counted: 0, samples: 0, seconds: 0 };
  /** the gradients of the last optimizer step by parameter key (averaged over micro-batches, before clipping) */
  readonly lastGradients = new Map<string, Float32Array>();
  /** ‖g‖ of each parameter's gradient at the last device step */
  private readonly paramGradNorms = new Map<string, number>();
  /**
   * Node outputs (the plan's `<node id>:<port>` keys) to read back from the next step's first
   * micro-batch — activations for gradient health, a probe's tensor. Set before each step.
   */
  watch: readonly string[] = [];
  /** what `watch` asked for, from the last step */
  readonly watched = new Map<string, { shape: number[]; data: Float32Array }>();

  constructor(
    private compile: CompileFn,
    readonly feed: DataFeed,
    readonly backend: Backend,
    readonly config: TrainConfig,
  ) {
    if (!(Number.isInteger(config.batchSize) && config.batchSize > 0)) {
      throw new Error(`batch size must be a positive integer, got ${config.batchSize}`);
    }
    if (feed.size('train') === 0) throw new Error('the training split holds no samples');
    this.device =
      backend.applyUpdate && backend.nonFinite && config.residency !== 'host'
        ? { params: new DeviceParams(backend, this.params), state: new Map() }
        : null;
    const plan = this.planFor(config.batchSize);
    this.params.sync(plan, config.seed);
    this.optimizers = this.bindOptimizers(plan, []);
    this.batches = this.batchesOf(0);
    this.saveCheckpoint();
  }

  on(listener: (e: TrainEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** The plan for the configured batch size. */
  get plan(): Plan {
    return this.planFor(this.config.batchSize);
  }

  get batchesPerEpoch(): number {
    return this.batches.length;
  }

  get done(): boolean {
    return this.epoch >= this.config.epochs;
  }

  /** Whether steps run with weights and optimizer state on the device (see the file's comment). */
  get onDevice(): boolean {
    return this.device !== null && !this.replaying && this.optimizers.every((o) => o.device);
  }

  /**
   * Bring the host `params` and optimizer state up to date with the device (awaits it). Host
   * readers — a health report, a final comparison, an export — call this first; on host steps
   * it does nothing.
   */
  async syncHost(): Promise<void> {
    if (!this.onDevice || !this.device) return;
    this.device.params.sync(this.plan.params.map((p) => p.key));
    await this.device.params.download();
    await Promise.all(this.optimizers.map((o) => o.device?.download()));
  }

  /**
   * What a device step dispatches besides the plan's forward and backward, for a precompile:
   * the optimizers' kernels and the non-finite check, and the gradient norms' ops.
   */
  precompileHints(): {
    kernels: { name: string; defines: Record<string, number> }[];
    afterBackward: (grads: ReadonlyMap<string, Tensor | null>) => void;
  } {
    if (!this.onDevice) return { kernels: [], afterBackward: () => {} };
    return {
      kernels: [
        { name: 'nonfinite_flag', defines: {} },
        ...this.optimizers.map((o) => o.optimizer.def.device!.kernel(o.optimizer.hyperparams)),
      ],
      afterBackward: (grads) => {
        const squares = [...grads.values()].flatMap((g) => (g ? [run('sum', [mul(g, g)])] : []));
        if (squares.length) run('stack', squares);
      },
    };
  }

  /** The lr each optimizer will use next. */
  get lrs(): Record<string, number> {
    return Object.fromEntries(this.optimizers.map((o) => [o.plan.node, o.optimizer.lr]));
  }

  /** One optimizer step (k micro-batches); ends the epoch (and validates) when its batches run out. */
  async trainStep(): Promise<StepOutcome> {
    for (;;) {
      try {
        return this.onDevice ? await this.stepOnDevice() : await this.stepOnce();
      } catch (e) {
        if (!isDeviceLost(e)) throw e;
        await this.recover((e as Error).message);
      }
    }
  }

  /** Steps until the current epoch ends (or a non-finite value stops it). */
  async trainEpoch(): Promise<StepOutcome> {
    for (;;) {
      const outcome = await this.trainStep();
      if (!outcome.ok || outcome.epochDone) return outcome;
    }
  }

  /** Mean loss (and accuracy) over a split in eval mode: Dropout off, BatchNorm on running statistics. */
  async evaluate(split: Split = 'val'): Promise<EvalMetrics | null> {
    const n = this.feed.size(split);
    if (n === 0) return null;
    const size = this.config.evalBatchSize ?? this.config.batchSize;
    let sum = 0;
    let correct = 0;
    let counted = 0;
    const metrics: Record<string, number[]> = {};
    for (const indices of epochBatches(n, size, false, 0, 0)) {
      const r = await this.forwardOnly(split, indices);
      sum += r.loss * indices.length;
      correct += r.correct;
      counted += r.counted;
      // evaluator outputs: scalars average over samples, larger ones (confusion matrices) add up
      for (const [key, values] of Object.entries(r.metrics)) {
        metrics[key] ??= new Array(values.length).fill(0);
        const acc = metrics[key];
        const w = values.length === 1 ? indices.length / n : 1;
        for (let i = 0; i < values.length; i++) acc[i] += values[i] * w;
      }
    }
    const result: EvalMetrics = {
      loss: sum / n,
      accuracy: counted ? correct / counted : undefined,
      samples: n,
    };
    if (Object.keys(metrics).length)
      result.metrics = Object.fromEntries(
        Object.entries(metrics).map(([k, v]) => [k, v.length === 1 ? v[0] : v]),
      );
    return result;
  }

  /** Start over from the seed: weights, optimizer state, schedules, data order. */
  reset(seed = this.config.seed): void {
    this.config.seed = seed;
    this.discardAhead();
    this.params.reset(this.plan, seed);
    this.optimizers = this.bindOptimizers(this.plan, []);
    this.pruneDevice();
    this.epoch = 0;
    this.batch = 0;
    this.step = 0;
    this.epochStats = { sum: 0, correct: 0, counted: 0, samples: 0, seconds: 0 };
    this.batches = this.batchesOf(0);
    // last run's norms would pick this one's scales: a tiny gradient under a huge old scale underflows
    this.paramGradNorms.clear();
    this.saveCheckpoint();
  }

  /**
   * After an edit: compile again, keep the weights and optimizer state of every parameter
   * whose shape did not change, initialise the rest, and report which.
   */
  recompile(compile: CompileFn): ParamSyncReport {
    this.discardAhead();
    const previous = { compile: this.compile, plans: this.plans };
    this.compile = compile;
    this.plans = new Map();
    let plan: Plan;
    try {
      plan = this.planFor(this.config.batchSize);
    } catch (e) {
      this.compile = previous.compile;
      this.plans = previous.plans;
      throw e;
    }
    const report = this.params.sync(plan, this.config.seed);
    this.optimizers = this.bindOptimizers(plan, this.optimizers);
    this.pruneDevice();
    const kept = new Set(report.kept);
    const optimizerStateKept = this.optimizers.flatMap((o) => o.plan.params.filter((k) => kept.has(k)));
    this.emit({ type: 'recompiled', report, optimizerStateKept });
    this.saveCheckpoint();
    return report;
  }

  private emit(e: TrainEvent): void {
    // a replay re-runs steps the listeners have seen
    if (this.replaying && (e.type === 'step' || e.type === 'epoch')) return;
    for (const l of this.listeners) l(e);
  }

  private planFor(n: number): Plan {
    let plan = this.plans.get(n);
    if (!plan) {
      plan = this.compile({ N: n });
      if (plan.optimizers.length === 0 && this.config.optimizer)
        withDefaultOptimizer(plan, this.config.optimizer);
      if (plan.optimizers.length === 0) {
        throw new Error(
          'nothing to train: wire an optimizer node (SGD, Adam, ...) to the loss it should minimise',
        );
      }
      this.plans.set(n, plan);
    }
    return plan;
  }

  private batchesOf(epoch: number): Int32Array[] {
    return epochBatches(
      this.feed.size('train'),
      this.config.batchSize,
      this.config.shuffle ?? true,
      this.config.seed,
      epoch,
    );
  }

  private bindOptimizers(plan: Plan, previous: BoundOptimizer[]): BoundOptimizer[] {
    return plan.optimizers.map((o) => {
      const params = o.params.map((k) => this.params.get(k));
      const optimizer = createOptimizer(o.name, params, o.hyperparams);
      const old = previous.find((p) => p.plan.node === o.node && p.plan.name === o.name);
      if (old) {
        // keep the state of parameters that survived the edit (same key, same size)
        o.params.forEach((key, i) => {
          const j = old.plan.params.indexOf(key);
          const state = j >= 0 ? old.optimizer.state.params[j] : undefined;
          if (state && Object.values(state.buffers).every((b) => b.length === params[i].data.length))
            optimizer.state.params[i] = state;
        });
      }
      const init = { lr: optimizer.lr, momentum: optimizer.momentum };
      const sameSchedule =
        old?.scheduler &&
        o.scheduler &&
        old.plan.scheduler?.name === o.scheduler.name &&
        JSON.stringify(old.plan.scheduler.params) === JSON.stringify(o.scheduler.params);
      const scheduler = sameSchedule
        ? old.scheduler
        : o.scheduler
          ? createScheduler(o.scheduler.name, o.scheduler.params, init)
          : null;
      if (sameSchedule && old) optimizer.lr = old.optimizer.lr;
      scheduler?.applyTo(optimizer);
      const device =
        this.device && canStepOnDevice(this.backend, optimizer)
          ? new DeviceOptimizer(optimizer, this.backend, this.device.state)
          : null;
      return { plan: o, optimizer, scheduler, device };
    });
  }

  private upload(plan: Plan, split: Split, indices: Int32Array): Map<string, Tensor> {
    const host = this.feed.batch(split, indices, plan.sources);
    const feeds = new Map<string, Tensor>();
    for (const s of plan.sources) {
      const h = host.get(s.key);
      if (!h) throw new Error(`the data feed gave nothing for ${s.nodeType} (${s.node}) output '${s.port}'`);
      const want = s.shape;
      if (h.shape.length !== want.length || h.shape.some((d, i) => d !== want[i])) {
        throw new Error(
          `${s.nodeType} (${s.node}) output '${s.port}': data has shape [${h.shape}], the graph expects [${want}]`,
        );
      }
      feeds.set(s.key, this.backend.upload(h.data, h.shape, h.dtype));
    }
    return feeds;
  }

  /** The weights as leaf tensors: the device's own (call `toDevice` first, outside any scope), or host copies. */
  private leaves(plan: Plan): Map<string, Tensor> {
    return new Map(
      plan.params.map((p) => {
        const t =
          this.onDevice && this.device
            ? this.device.params.get(p.key)
            : paramTensor(this.params.get(p.key), this.backend);
        t.zeroGrad();
        t.requiresGrad = p.trainable;
        return [p.key, t];
      }),
    );
  }

  /** Upload what the device lacks (new weights, a restored checkpoint) before a device step or evaluation. */
  private toDevice(plan: Plan): void {
    if (this.onDevice) this.device?.params.sync(plan.params.map((p) => p.key));
  }

  /** Dispose device buffers of optimizer states that no optimizer holds any more. */
  private pruneDevice(): void {
    if (this.device)
      pruneDeviceState(
        this.device.state,
        this.optimizers.flatMap((o) => o.optimizer.state.params),
      );
  }

  /** Forget every device copy: the host holds the current values (restored, or stepped on the host). */
  private dropDevice(): void {
    this.discardAhead();
    if (!this.device) return;
    this.device.params.drop();
    pruneDeviceState(this.device.state);
  }

  private scoped<T>(fn: () => T): T {
    const b = this.backend as Scoped;
    return b.scope ? b.scope(fn) : fn();
  }

  /** One optimizer step on the host: weights uploaded, gradients read back, every step checked. */
  private async stepOnce(): Promise<StepOutcome> {
    const started = performance.now();
    const k = this.microBatches();
    const grads = this.optimizers.map((o) =>
      o.plan.params.map((key) => new Float32Array(this.params.get(key).data.length)),
    );
    const got = this.optimizers.map((o) => o.plan.params.map(() => false));
    let lossSum = 0;
    let samples = 0;
    let correct = 0;
    let counted = 0;
    const micro = Math.min(k, this.batches.length - this.batch);
    for (let m = 0; m < micro; m++) {
      const indices = this.batches[this.batch + m];
      const plan = this.planFor(indices.length);
      prepareConstants(plan, this.backend);
      const stepSeed = this.stepSeed(m);
      const out = this.forwardBackward(plan, indices, stepSeed, m === 0);
      if (m === 0) await this.readWatched(out.watched);
      for (const [i, r] of out.perOptimizer.entries()) {
        const loss = (await r.loss.data())[0];
        if (i === 0) lossSum += loss * indices.length;
        for (const [j, g] of r.grads.entries()) {
          if (!g) continue;
          const data = await g.data();
          const acc = grads[i][j];
          for (let x = 0; x < acc.length; x++) acc[x] += data[x] / micro;
          got[i][j] = true;
        }
        if (!Number.isFinite(loss) || !grads[i].every(allFinite)) {
          return { ok: false, report: await this.locate(plan, indices, stepSeed, this.optimizers[i].plan) };
        }
      }
      for (const s of out.states) this.params.get(s.key).data.set(await s.value.data());
      if (out.accuracy) {
        const a = await countCorrect(out.accuracy);
        correct += a.correct;
        counted += a.counted;
      }
      // a watched value may be the loss or the logits too: each tensor is freed once
      const made = new Set([
        ...out.perOptimizer.flatMap((r) => [r.loss, ...r.grads]),
        ...out.states.map((s) => s.value),
        ...(out.accuracy ? [out.accuracy.logits, out.accuracy.target] : []),
        ...out.watched.filter((w) => w.owned).map((w) => w.value),
      ]);
      disposeAll([...made]);
      samples += indices.length;
    }
    const lr: Record<string, number> = {};
    const gradNorms: Record<string, number> = {};
    for (const [i, o] of this.optimizers.entries()) {
      const params = o.plan.params.map((key) => this.params.get(key));
      const g = grads[i].map((x, j) => (got[i][j] ? x : null));
      for (const [j, key] of o.plan.params.entries())
        this.lastGradients.set(key, Float32Array.from(grads[i][j]));
      for (const [j, key] of o.plan.params.entries()) {
        const node = key.slice(0, key.lastIndexOf('/'));
        let s = (gradNorms[node] ?? 0) ** 2;
        for (const v of grads[i][j]) s += v * v;
        gradNorms[node] = Math.sqrt(s);
      }
      if (o.plan.clip?.maxNorm !== undefined)
        clipGradNorm(g, o.plan.clip.maxNorm, { normType: o.plan.clip.normType ?? 2 });
      if (o.plan.clip?.value !== undefined) clipGradValue(g, o.plan.clip.value);
      lr[o.plan.node] = o.optimizer.lr;
      o.optimizer.step(params, g);
      const bad = params.find((p) => !allFinite(p.data));
      if (bad) {
        const node = bad.name.slice(0, bad.name.lastIndexOf('/'));
        return {
          ok: false,
          report: {
            phase: 'update',
            node,
            op: o.plan.name,
            what: `parameter '${bad.name}' after the ${o.plan.name} step`,
            inputs: [],
            suggestions: suggestionsFor(o.plan.name, 'update'),
            step: this.step,
          },
        };
      }
    }
    this.stepSchedulers();
    return this.finishStep(started, micro, samples, lossSum, correct, counted, lr, gradNorms);
  }

  /** Count the step, report it, end the epoch when its batches ran out, checkpoint every K steps. */
  private async finishStep(
    started: number,
    micro: number,
    samples: number,
    lossSum: number,
    correct: number,
    counted: number,
    lr: Record<string, number>,
    gradNorms: Record<string, number>,
  ): Promise<StepOutcome> {
    this.step++;
    this.batch += micro;
    const seconds = (performance.now() - started) / 1000;
    this.epochStats.sum += lossSum;
    this.epochStats.samples += samples;
    this.epochStats.correct += correct;
    this.epochStats.counted += counted;
    this.epochStats.seconds += seconds;
    const rate = this.epochStats.samples / Math.max(1e-9, this.epochStats.seconds);
    const left = this.batches.slice(this.batch).reduce((n, b) => n + b.length, 0);
    const metrics: StepMetrics = {
      epoch: this.epoch,
      step: this.step,
      batch: this.batch,
      batchesPerEpoch: this.batches.length,
      loss: lossSum / samples,
      accuracy: counted ? correct / counted : undefined,
      lr,
      gradNorms,
      samplesPerSec: rate,
      etaSec: left / rate,
    };
    this.emit({ type: 'step', metrics });
    const epochDone = this.batch >= this.batches.length ? await this.endEpoch() : null;
    if (this.step % (this.config.checkpointEvery ?? 50) === 0) this.saveCheckpoint();
    return { ok: true, metrics, epochDone };
  }

  /**
   * One optimizer step with weights and optimizer state on the device. Forward, backward, the
   * clip and the update are recorded without a wait; what the step reports (loss, gradient
   * norms, accuracy, the non-finite flags) is read back together at the end.
   */
  private async stepOnDevice(): Promise<StepOutcome> {
    const started = performance.now();
    const rec = this.takeAhead() ?? this.recordStep(this.step, this.batch);
    await this.readWatched(rec.watched);
    const reads = this.updateOnDevice(rec.grads, rec.losses, rec.accuracy, rec.made);
    const lr = Object.fromEntries(this.optimizers.map((o) => [o.plan.node, o.optimizer.lr]));
    this.stepSchedulers();
    disposeAll(rec.made);
    // the next step's forward and backward go in the queue now: the device works on them while
    // this step's few bytes come back
    if (this.canRecordAhead(rec)) this.ahead = this.recordStep(this.step + 1, this.batch + rec.micro);
    // the one wait of the step: a few bytes the dashboard shows
    const [lossValues, sumSquares, counts, finiteBefore, finiteAfter] = await Promise.all([
      Promise.all(reads.losses),
      reads.sumSquares,
      Promise.all(reads.accuracy),
      reads.finiteBefore,
      reads.finiteAfter,
      reads.gradients,
    ]);
    if (!finiteBefore || !finiteAfter) return this.locateByReplay(finiteBefore ? 'update' : 'forward');
    const lossSum = lossValues.reduce((acc, v, i) => acc + v[0] * rec.losses[i].samples, 0);
    const correct = counts.reduce((a, c) => a + c.correct, 0);
    const counted = counts.reduce((a, c) => a + c.counted, 0);
    return this.finishStep(
      started,
      rec.micro,
      rec.samples,
      lossSum,
      correct,
      counted,
      lr,
      this.nodeNorms(sumSquares, reads.normed),
    );
  }

  /**
   * Record the forward and backward passes of optimizer step `step`, whose micro-batches start
   * at `batch` of this epoch: the gradients (added up over micro-batches), the losses, the
   * accuracy reads. Nothing is awaited.
   */
  private recordStep(step: number, batch: number): RecordedStep {
    const micro = Math.min(this.microBatches(), this.batches.length - batch);
    const rec: RecordedStep = {
      step,
      batch,
      epoch: this.epoch,
      micro,
      grads: this.optimizers.map((o) => o.plan.params.map(() => null)),
      losses: [],
      accuracy: [],
      made: [],
      watched: [],
      samples: 0,
    };
    const plans = new Set<Plan>();
    for (let m = 0; m < micro; m++) {
      const indices = this.batches[batch + m];
      const plan = this.planFor(indices.length);
      plans.add(plan);
      prepareConstants(plan, this.backend);
      this.toDevice(plan);
      const out = this.forwardBackward(plan, indices, this.stepSeed(m, step), m === 0);
      rec.watched = m === 0 ? out.watched : rec.watched;
      for (const [i, r] of out.perOptimizer.entries()) {
        if (i === 0) rec.losses.push({ value: r.loss, samples: indices.length });
        rec.grads[i] = r.grads.map((g, j) => this.accumulate(rec.grads[i][j], g, micro, rec.made));
      }
      for (const st of out.states) this.device!.params.replace(st.key, st.value);
      if (out.accuracy) rec.accuracy.push(awaitedLater(countCorrect(out.accuracy)));
      rec.made.push(
        ...out.perOptimizer.map((r) => r.loss),
        ...(out.accuracy ? [out.accuracy.logits, out.accuracy.target] : []),
        ...out.watched.filter((w) => w.owned).map((w) => w.value),
      );
      rec.samples += indices.length;
    }
    for (const plan of plans) for (const p of plan.params) this.device!.params.get(p.key).zeroGrad();
    return rec;
  }

  /**
   * Whether the next step may be recorded before this one's results are back: it must stay in
   * this epoch (validation comes between), watch nothing (a probe reads its first micro-batch),
   * and the plan must update no state in its forward pass (BatchNorm's running statistics would
   * run ahead of an evaluation in between).
   */
  private canRecordAhead(rec: RecordedStep): boolean {
    if (this.config.overlap === false || this.watch.length > 0) return false;
    const next = rec.batch + rec.micro;
    if (next >= this.batches.length) return false;
    const plan = this.planFor(this.batches[next].length);
    return plan.steps.every((s) => s.stateUpdates.length === 0);
  }

  /** The step recorded ahead, when it is still the step to take; else it is freed. */
  private takeAhead(): RecordedStep | null {
    const a = this.ahead;
    this.ahead = null;
    if (!a) return null;
    if (a.step === this.step && a.batch === this.batch && a.epoch === this.epoch && this.watch.length === 0)
      return a;
    discardRecorded(a);
    return null;
  }

  /** Forget a step recorded ahead (the weights or the plan changed under it). */
  private discardAhead(): void {
    if (this.ahead) discardRecorded(this.ahead);
    this.ahead = null;
  }

  /** Micro-batches per optimizer step. */
  private microBatches(): number {
    return Math.max(1, this.config.accumulate ?? Math.max(...this.optimizers.map((o) => o.plan.accumulate)));
  }

  /** Dropout's seed for micro-batch m of a step (this one by default): a replay draws the same masks. */
  private stepSeed(m: number, step = this.step): number {
    return (this.config.seed * 7919 + step * 131 + m) >>> 0;
  }

  /** The forward pass of a training micro-batch (Dropout on, BatchNorm on batch statistics). */
  private trainForward(plan: Plan, indices: Int32Array, stepSeed: number) {
    const leaves = this.leaves(plan);
    const values = executePlan(plan, {
      backend: this.backend,
      params: leaves,
      feeds: this.upload(plan, 'train', indices),
      mode: 'train',
      stepSeed,
    });
    return { leaves, values };
  }

  /** Forward and backward of one micro-batch under one scope: every tensor it makes but returns is freed. */
  private forwardBackward(plan: Plan, indices: Int32Array, stepSeed: number, watch: boolean) {
    return this.scoped(() => {
      const { leaves, values } = this.trainForward(plan, indices, stepSeed);
      const perOptimizer = this.optimizers.map((o) => {
        for (const t of leaves.values()) t.zeroGrad();
        new BackwardPass(values[o.plan.loss]).run();
        return {
          loss: values[o.plan.loss],
          grads: o.plan.params.map((key) => leaves.get(key)?.grad ?? null),
        };
      });
      const states = plan.steps.flatMap((s) =>
        s.stateUpdates.map((u) => ({ key: u.key, value: values[s.outputs[u.output]] })),
      );
      return {
        perOptimizer,
        states,
        watched: watch ? watchedValues(plan, values, this.watch) : [],
        accuracy: accuracyInputs(plan, values, this.optimizers[0].plan.loss),
      };
    });
  }

  /** acc + g/k on the device (g alone when k is 1); what it replaces goes to `made` to be freed. */
  private accumulate(acc: Tensor | null, g: Tensor | null, k: number, made: Tensor[]): Tensor | null {
    if (!g) return acc;
    if (k === 1) {
      made.push(g);
      return g;
    }
    const next = this.scoped(() => {
      const part = mul(g, scalar(1 / k, this.backend));
      return acc ? add(acc, part) : part;
    });
    made.push(g, ...(acc ? [acc] : []), next);
    return next;
  }

  /**
   * Clip and step every optimizer on the device, and issue the step's reads: Σg² per parameter
   * (gradient norms), the losses, the flags of non-finite values before and after the update.
   */
  private updateOnDevice(
    grads: (Tensor | null)[][],
    losses: { value: Tensor }[],
    accuracy: Promise<{ correct: number; counted: number }>[],
    made: Tensor[],
  ): DeviceStepReads {
    const nonFinite = this.backend.nonFinite!.bind(this.backend);
    const scales = this.optimizers.map((o) => o.plan.params.map((key) => this.normScale(key)));
    // Σ(s·g)², s a power of two: exactly s²·Σg² wherever Σg² is representable, and finite past it
    const squares = this.scoped(() =>
      grads.map((gs, i) =>
        gs.map((g, j) => {
          if (!g) return null;
          const sg = scales[i][j] === 1 ? g : mul(g, scalar(scales[i][j], this.backend));
          return run('sum', [mul(sg, sg)]);
        }),
      ),
    );
    made.push(...squares.flat().filter((t): t is Tensor => t !== null));
    const present = squares.flat().filter((t): t is Tensor => t !== null);
    const stacked = present.length ? this.scoped(() => run('stack', present)) : null;
    if (stacked) made.push(stacked);
    const normed = this.optimizers.flatMap((o, i) =>
      o.plan.params.flatMap((key, j) => (squares[i][j] ? [{ key, scale: scales[i][j] }] : [])),
    );
    // the gradients themselves, not their Σg²: that overflows to +Inf from |g| ≈ 1e19 on, which
    // a diverging run reaches while every value is still finite
    const checked = [...losses.map((l) => l.value), ...grads.flat().filter((g): g is Tensor => g !== null)];
    const finiteBefore = nonFinite(checked).then((bad) => !bad);
    const gradients = this.keepGradients ? this.readGradients(grads) : Promise.resolve();
    const params: Tensor[] = [];
    for (const [i, o] of this.optimizers.entries()) {
      let g = grads[i];
      const clip = o.plan.clip;
      if (clip && (clip.maxNorm !== undefined || clip.value !== undefined)) {
        // the clip sees Σg² unscaled, +Inf past float32 as in PyTorch on a GPU (only the
        // 2-norm clip reads it)
        const readsSums = clip.maxNorm !== undefined && (clip.normType ?? 2) === 2;
        const unscaled = (q: Tensor | null, j: number) => {
          const gj = grads[i][j];
          return readsSums && gj && scales[i][j] !== 1 ? run('sum', [mul(gj, gj)]) : q;
        };
        g = this.scoped(() => clipGradTensors(grads[i], squares[i].map(unscaled), clip));
        made.push(...g.filter((t): t is Tensor => t !== null));
      }
      const ps = o.plan.params.map((key) => this.device!.params.get(key));
      o.device!.step(ps, g);
      params.push(...ps);
    }
    const finiteAfter = nonFinite(params).then((bad) => !bad);
    return {
      losses: losses.map((l) => awaitedLater(l.value.data())),
      sumSquares: stacked ? awaitedLater(stacked.data()) : null,
      normed,
      accuracy,
      finiteBefore: awaitedLater(finiteBefore),
      finiteAfter: awaitedLater(finiteAfter),
      gradients: awaitedLater(gradients),
    };
  }

  /** Issue reads of the step's gradients into `lastGradients` (when a reader keeps them). */
  private readGradients(grads: (Tensor | null)[][]): Promise<void> {
    const reads = this.optimizers.flatMap((o, i) =>
      o.plan.params.map((key, j) => {
        const g = grads[i][j];
        return g ? g.data().then((d) => void this.lastGradients.set(key, Float32Array.from(d))) : null;
      }),
    );
    return Promise.all(reads).then(() => {});
  }

  /**
   * ‖∇‖ per graph node from each parameter's Σ(s·g)², added up in float64. Each parameter's
   * norm is kept: it picks the next step's scale.
   */
  private nodeNorms(
    sumSquares: Storage | null,
    normed: { key: string; scale: number }[],
  ): Record<string, number> {
    const norms: Record<string, number> = {};
    for (const o of this.optimizers)
      for (const key of o.plan.params) norms[key.slice(0, key.lastIndexOf('/'))] = 0;
    for (const [at, { key, scale }] of normed.entries()) {
      const norm = Math.sqrt(sumSquares![at]) / scale;
      this.paramGradNorms.set(key, norm);
      const node = key.slice(0, key.lastIndexOf('/'));
      norms[node] += norm * norm;
    }
    for (const node of Object.keys(norms)) norms[node] = Math.sqrt(norms[node]);
    return norms;
  }

  /**
   * The power of two a parameter's gradient is scaled by before squaring on the device: one that
   * brings last step's ‖g‖ to at most 1, so Σg² of a diverging run (float32 overflows from
   * ‖g‖ ≈ 1.8e19) still reads as a number. Never above 1: small gradients are squared as they are.
   */
  private normScale(key: string): number {
    const last = this.paramGradNorms.get(key) ?? 0;
    if (!Number.isFinite(last)) return 2 ** -64;
    // 2⁻¹⁰⁰ at least: a float32 normal number, as is (2⁻¹⁰⁰·g)² for any g near 1e19 and up
    return last > 1 ? 2 ** -Math.min(100, Math.ceil(Math.log2(last))) : 1;
  }

  private stepSchedulers(): void {
    for (const o of this.optimizers) {
      if (o.scheduler && (this.config.schedulerInterval ?? 'step') === 'step') {
        o.scheduler.step();
        o.scheduler.applyTo(o.optimizer);
      }
    }
  }

  /**
   * A device step found a NaN or ±Inf. Its update is applied already, so go back to the last
   * checkpoint and step on the host from there, checking every step: the first that goes bad
   * is located with the weights it started from.
   */
  private async locateByReplay(phase: 'forward' | 'update'): Promise<StepOutcome> {
    const failed = this.step;
    await this.pendingCheckpoint;
    this.restoreCheckpoint();
    this.dropDevice();
    this.replaying = true;
    try {
      while (this.step <= failed) {
        const outcome = await this.stepOnce();
        if (!outcome.ok) return outcome;
      }
    } finally {
      this.replaying = false;
      // the host stepped: the device takes its values at the next step
      this.dropDevice();
    }
    // float rounding on the host kept that step finite: report what the device saw
    const o = this.optimizers[0].plan;
    const report: NonFiniteReport = {
      phase,
      node: o.lossNode,
      op: phase === 'update' ? o.name : 'loss',
      what: phase === 'update' ? `the parameters after the ${o.name} step` : 'the loss or a gradient',
      inputs: [],
      suggestions: suggestionsFor(phase === 'update' ? o.name : 'loss', phase),
      step: failed,
    };
    this.emit({ type: 'nonfinite', report });
    return { ok: false, report };
  }

  private async readWatched(watched: { key: string; value: Tensor }[]): Promise<void> {
    this.watched.clear();
    for (const w of watched)
      this.watched.set(w.key, { shape: [...w.value.shape], data: Float32Array.from(await w.value.data()) });
  }

  private async endEpoch(): Promise<EpochMetrics> {
    const s = this.epochStats;
    const validate = this.config.validate ?? true;
    const val = validate ? await this.evaluate('val') : null;
    const metrics: EpochMetrics = {
      epoch: this.epoch,
      trainLoss: s.sum / s.samples,
      trainAccuracy: s.counted ? s.correct / s.counted : undefined,
      val,
      seconds: s.seconds,
      samplesPerSec: s.samples / Math.max(1e-9, s.seconds),
    };
    for (const o of this.optimizers) {
      if (o.scheduler && this.config.schedulerInterval === 'epoch') {
        o.scheduler.step();
        o.scheduler.applyTo(o.optimizer);
      }
    }
    this.epoch++;
    this.batch = 0;
    this.batches = this.batchesOf(this.epoch);
    this.epochStats = { sum: 0, correct: 0, counted: 0, samples: 0, seconds: 0 };
    this.emit({ type: 'epoch', metrics });
    return metrics;
  }

  private async forwardOnly(
    split: Split,
    indices: Int32Array,
    mode: Mode = 'eval',
  ): Promise<{ loss: number; correct: number; counted: number; metrics: Record<string, ArrayLike<number>> }> {
    const plan = this.planFor(indices.length);
    prepareConstants(plan, this.backend);
    this.toDevice(plan);
    const lossId = plan.optimizers[0].loss;
    const out = this.scoped(() => {
      const values = executePlan(plan, {
        backend: this.backend,
        params: this.leaves(plan),
        feeds: this.upload(plan, split, indices),
        mode,
      });
      const metrics = plan.metrics.map((m) => ({ key: `${m.node}:${m.port}`, value: values[m.value] }));
      return { loss: values[lossId], accuracy: accuracyInputs(plan, values, lossId), metrics };
    });
    const metrics: Record<string, ArrayLike<number>> = {};
    for (const m of out.metrics) metrics[m.key] = await m.value.data();
    const loss = (await out.loss.data())[0];
    const a = out.accuracy ? await countCorrect(out.accuracy) : { correct: 0, counted: 0 };
    disposeAll([
      out.loss,
      ...out.metrics.map((m) => m.value),
      ...(out.accuracy ? [out.accuracy.logits, out.accuracy.target] : []),
    ]);
    return { loss, ...a, metrics };
  }

  /** Re-run the failing micro-batch (same weights, data and dropout seed) keeping every value, and find the first non-finite node. */
  private async locate(
    plan: Plan,
    indices: Int32Array,
    stepSeed: number,
    optimizer: PlanOptimizer,
  ): Promise<NonFiniteReport> {
    const { values } = this.trainForward(plan, indices, stepSeed);
    let report = await locateForward(plan, values, this.step);
    if (!report) {
      const pass = new BackwardPass(values[optimizer.loss]);
      pass.run();
      report = await locateBackward(pass, this.step);
    }
    const fallback: NonFiniteReport = {
      phase: 'forward',
      node: optimizer.lossNode,
      op: 'loss',
      what: 'the loss',
      inputs: [],
      suggestions: suggestionsFor('loss', 'forward'),
      step: this.step,
    };
    const found = report ?? fallback;
    this.emit({ type: 'nonfinite', report: found });
    return found;
  }

  /**
   * Keep a copy of weights, optimizer state and counters. On the device the values are read back
   * asynchronously (the step does not wait); until they arrive the previous checkpoint holds.
   */
  private saveCheckpoint(): void {
    const meta = {
      step: this.step,
      epoch: this.epoch,
      batch: this.batch,
      lrs: this.optimizers.map((o) => ({
        lr: o.optimizer.lr,
        hyperparams: structuredClone(o.optimizer.hyperparams),
      })),
      schedulers: this.optimizers.map((o) => o.scheduler?.snapshot() ?? null),
      epochLoss: { ...this.epochStats },
    };
    const build = (params: Map<string, Float32Array>, states: ParamState[][]): Checkpoint => ({
      ...meta,
      params,
      optimizers: meta.lrs.map((o, i) => ({ ...o, state: states[i] })),
    });
    if (!(this.onDevice && this.device)) {
      this.checkpoint = build(
        this.params.snapshot(),
        this.optimizers.map((o) => copyState(o.optimizer.state.params)),
      );
      return;
    }
    this.device.params.sync(this.plan.params.map((p) => p.key));
    const reads = Promise.all([
      this.device.params.snapshot(),
      Promise.all(this.optimizers.map((o) => o.device!.snapshot())),
    ]);
    this.pendingCheckpoint = reads.then(
      ([params, states]) => {
        this.checkpoint = build(params, states);
      },
      () => {}, // the device was lost mid-read: the previous checkpoint stands
    );
  }

  /** Put the last checkpoint back on the host side (the device takes it at its next sync). */
  private restoreCheckpoint(): Checkpoint {
    const c = this.checkpoint;
    if (!c) throw new Error('no checkpoint to go back to');
    this.paramGradNorms.clear();
    this.params.restore(c.params);
    this.optimizers.forEach((o, i) => {
      const s = c.optimizers[i];
      if (!s) return;
      o.optimizer.lr = s.lr;
      o.optimizer.hyperparams = structuredClone(s.hyperparams) as never;
      o.optimizer.state = { params: copyState(s.state) };
      const sched = c.schedulers[i];
      if (sched && o.scheduler) o.scheduler.restore(sched as never);
    });
    this.step = c.step;
    if (this.epoch !== c.epoch) this.batches = this.batchesOf(c.epoch);
    this.epoch = c.epoch;
    this.batch = c.batch;
    this.epochStats = { ...c.epochLoss };
    return c;
  }

  /** Device lost: wait for the backend to come back, then resume from the last checkpoint. */
  private async recover(reason: string): Promise<void> {
    await (this.backend as Scoped).ready?.();
    await this.pendingCheckpoint;
    for (const plan of this.plans.values()) forgetConstants(plan);
    // the device copies went with the device
    this.dropDevice();
    if (!this.checkpoint) throw new Error(`the device was lost (${reason}) before any checkpoint`);
    const lostSteps = this.step - this.checkpoint.step;
    const c = this.restoreCheckpoint();
    this.emit({ type: 'recovered', reason, fromStep: c.step, lostSteps });
  }
}

/**
 * The plan values behind watched node outputs. `owned`: made by this step (an op's output,
 * a parameter leaf, an uploaded batch), so freed once read; a cached constant is not.
 */
function watchedValues(
  plan: Plan,
  values: Tensor[],
  keys: readonly string[],
): { key: string; value: Tensor; owned: boolean }[] {
  return keys.flatMap((key) => {
    const id = plan.outputs.get(key);
    if (id === undefined || !values[id]) return [];
    return [{ key, value: values[id], owned: plan.values[id].origin.kind !== 'constant' }];
  });
}

/** The logits and class targets behind a cross-entropy loss, for accuracy. */
function accuracyInputs(
  plan: Plan,
  values: Tensor[],
  lossId: number,
): { logits: Tensor; target: Tensor } | null {
  const step = plan.steps.find((s) => s.outputs[0] === lossId);
  if (step?.op !== 'cross_entropy') return null;
  const [x, y] = step.inputs;
  if (x === null || y === null) return null;
  const logits = values[x];
  const target = values[y];
  if (target.dtype !== 'int32' || logits.rank !== 2) return null;
  return { logits, target };
}

async function countCorrect({
  logits,
  target,
}: {
  logits: Tensor;
  target: Tensor;
}): Promise<{ correct: number; counted: number }> {
  // both reads issued at once: the caller may free the tensors before they complete
  const [x, y] = await Promise.all([logits.data(), target.data()]);
  const [n, c] = logits.shape;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (x[i * c + j] > x[i * c + best]) best = j;
    if (best === y[i]) correct++;
  }
  return { correct, counted: n };
}

function disposeAll(ts: (Tensor | null)[]): void {
  for (const t of ts) t?.dispose();
}
