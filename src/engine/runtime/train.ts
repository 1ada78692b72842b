/**
 * The train loop, backend-agnostic, with the anatomy the study notes teach:
 * zero_grad → forward → loss → backward → (clip) → optimizer step → scheduler step.
 *
 * Weights and optimizer state live on the CPU side (`ParamStore`, the runtime's optimizers);
 * each step uploads the weights as fresh leaf tensors, runs forward and backward on the
 * backend, and reads the gradients back for the update. So a lost GPU device loses nothing
 * but the step in flight: the loop restores its last checkpoint (taken every K steps) and
 * goes on. Gradients of k micro-batches add up (each scaled by 1/k) before one update.
 */
import { BackwardPass } from '../autograd/backward.ts';
import type { Backend } from '../backend.ts';
import { executePlan, forgetConstants, type Mode, prepareConstants } from '../compile/execute.ts';
import { ParamStore, type ParamSyncReport } from '../compile/params.ts';
import { type Plan, type PlanOptimizer, withDefaultOptimizer } from '../compile/plan.ts';
import type { Tensor } from '../tensor.ts';
import { clipGradNorm, clipGradValue } from './optimizers/clip.ts';
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

  /** The lr each optimizer will use next. */
  get lrs(): Record<string, number> {
    return Object.fromEntries(this.optimizers.map((o) => [o.plan.node, o.optimizer.lr]));
  }

  /** One optimizer step (k micro-batches); ends the epoch (and validates) when its batches run out. */
  async trainStep(): Promise<StepOutcome> {
    for (;;) {
      try {
        return await this.stepOnce();
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
    this.params.reset(this.plan, seed);
    this.optimizers = this.bindOptimizers(this.plan, []);
    this.epoch = 0;
    this.batch = 0;
    this.step = 0;
    this.epochStats = { sum: 0, correct: 0, counted: 0, samples: 0, seconds: 0 };
    this.batches = this.batchesOf(0);
    this.saveCheckpoint();
  }

  /**
   * After an edit: compile again, keep the weights and optimizer state of every parameter
   * whose shape did not change, initialise the rest, and report which.
   */
  recompile(compile: CompileFn): ParamSyncReport {
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
    const kept = new Set(report.kept);
    const optimizerStateKept = this.optimizers.flatMap((o) => o.plan.params.filter((k) => kept.has(k)));
    this.emit({ type: 'recompiled', report, optimizerStateKept });
    this.saveCheckpoint();
    return report;
  }

  private emit(e: TrainEvent): void {
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
      return { plan: o, optimizer, scheduler };
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

  private leaves(plan: Plan): Map<string, Tensor> {
    return new Map(
      plan.params.map((p) => {
        const t = paramTensor(this.params.get(p.key), this.backend);
        t.requiresGrad = p.trainable;
        return [p.key, t];
      }),
    );
  }

  private scoped<T>(fn: () => T): T {
    const b = this.backend as Scoped;
    return b.scope ? b.scope(fn) : fn();
  }

  private async stepOnce(): Promise<StepOutcome> {
    const started = performance.now();
    const k = Math.max(
      1,
      this.config.accumulate ?? Math.max(...this.optimizers.map((o) => o.plan.accumulate)),
    );
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
      const stepSeed = (this.config.seed * 7919 + this.step * 131 + m) >>> 0;
      // forward and backward under one scope: every tensor it makes but returns is freed
      const out = this.scoped(() => {
        const leaves = this.leaves(plan);
        const values = executePlan(plan, {
          backend: this.backend,
          params: leaves,
          feeds: this.upload(plan, 'train', indices),
          mode: 'train',
          stepSeed,
        });
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
        const watched = m === 0 ? watchedValues(plan, values, this.watch) : [];
        return {
          perOptimizer,
          states,
          watched,
          accuracy: accuracyInputs(plan, values, this.optimizers[0].plan.loss),
        };
      });
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
      if (o.scheduler && (this.config.schedulerInterval ?? 'step') === 'step') {
        o.scheduler.step();
        o.scheduler.applyTo(o.optimizer);
      }
    }
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
    const leaves = this.leaves(plan);
    const values = executePlan(plan, {
      backend: this.backend,
      params: leaves,
      feeds: this.upload(plan, 'train', indices),
      mode: 'train',
      stepSeed,
    });
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

  private saveCheckpoint(): void {
    this.checkpoint = {
      step: this.step,
      epoch: this.epoch,
      batch: this.batch,
      params: this.params.snapshot(),
      optimizers: this.optimizers.map((o) => ({
        lr: o.optimizer.lr,
        hyperparams: structuredClone(o.optimizer.hyperparams),
        state: copyState(o.optimizer.state.params),
      })),
      schedulers: this.optimizers.map((o) => o.scheduler?.snapshot() ?? null),
      epochLoss: { ...this.epochStats },
    };
  }

  /** Device lost: wait for the backend to come back, then resume from the last checkpoint. */
  private async recover(reason: string): Promise<void> {
    await (this.backend as Scoped).ready?.();
    for (const plan of this.plans.values()) forgetConstants(plan);
    const c = this.checkpoint;
    if (!c) throw new Error(`the device was lost (${reason}) before any checkpoint`);
    const lostSteps = this.step - c.step;
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
  const x = await logits.data();
  const y = await target.data();
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
