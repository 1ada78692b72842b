import { describe, expect, it } from 'vitest';
import type { PlanSource } from '../../src/engine/compile/plan.ts';
import type { TrainEvent } from '../../src/engine/runtime/train.ts';
import type { ArrayFeed, DataFeed, Split } from '../../src/engine/runtime/train-data.ts';
import { blobsFeed, compiler, mlpDoc, trainer } from './helpers.ts';

async function losses(t: ReturnType<typeof trainer>, steps: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const o = await t.trainStep();
    if (!o.ok) throw new Error(o.report.what);
    out.push(o.metrics.loss);
  }
  return out;
}

describe('the train loop', () => {
  it('trains a small MLP: the loss falls and validation accuracy rises, one event per epoch', async () => {
    const t = trainer(mlpDoc(), { epochs: 8 });
    const epochs: TrainEvent[] = [];
    t.on((e) => e.type === 'epoch' && epochs.push(e));
    const before = await t.evaluate('val');
    while (!t.done) {
      const o = await t.trainEpoch();
      expect(o.ok).toBe(true);
    }
    const after = await t.evaluate('val');
    expect(epochs).toHaveLength(8);
    expect(after!.loss).toBeLessThan(before!.loss / 4);
    expect(after!.accuracy).toBeGreaterThan(0.95);
    const last = epochs.at(-1)!;
    if (last.type === 'epoch') {
      expect(last.metrics.val!.samples).toBe(48);
      expect(last.metrics.samplesPerSec).toBeGreaterThan(0);
    }
  });

  it('reports each step: loss, lr, per-layer gradient norms, progress with samples/s and ETA', async () => {
    const t = trainer(mlpDoc());
    const o = await t.trainStep();
    if (!o.ok) throw new Error('non-finite');
    expect(o.metrics).toMatchObject({
      epoch: 0,
      step: 1,
      batch: 1,
      batchesPerEpoch: 3,
      lr: { 'config:optimizer': 0.1 },
    });
    expect(Object.keys(o.metrics.gradNorms).sort()).toEqual(['node:fc1', 'node:fc2']);
    expect(o.metrics.gradNorms['node:fc2']).toBeGreaterThan(0);
    expect(o.metrics.etaSec).toBeGreaterThan(0);
    expect(o.metrics.accuracy).toBeGreaterThanOrEqual(0);
  });

  it('resets from the seed: the same seed replays the same losses, another seed differs', async () => {
    const t = trainer(mlpDoc());
    const first = await losses(t, 5);
    t.reset(7);
    expect(await losses(t, 5)).toEqual(first);
    t.reset(8);
    expect(await losses(t, 5)).not.toEqual(first);
    expect(t.step).toBe(5);
  });

  it('accumulates k micro-batches into one step: the same gradient as one batch k times larger', async () => {
    const big = trainer(mlpDoc(), { batchSize: 16, shuffle: false });
    const small = trainer(mlpDoc(), { batchSize: 8, accumulate: 2, shuffle: false });
    await big.trainStep();
    const o = await small.trainStep();
    expect(o.ok && o.metrics.batch).toBe(2);
    for (const [key, g] of big.lastGradients) {
      const h = small.lastGradients.get(key)!;
      for (const [i, v] of g.entries()) expect(h[i]).toBeCloseTo(v, 5);
    }
    expect(small.step).toBe(1);
  });

  it('steps the scheduler after each optimizer step', async () => {
    const t = trainer(mlpDoc(), {
      optimizer: {
        name: 'SGD',
        hyperparams: { lr: 0.1 },
        scheduler: { name: 'StepLR', params: { step_size: 1, gamma: 0.5 } },
      },
    });
    const lrs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const o = await t.trainStep();
      if (o.ok) lrs.push(o.metrics.lr['config:optimizer']);
    }
    expect(lrs).toEqual([0.1, 0.05, 0.025]);
  });

  it('clips the gradient norm before the update', async () => {
    const t = trainer(mlpDoc(), {
      optimizer: { name: 'SGD', hyperparams: { lr: 1 }, clip: { maxNorm: 1e-3 } },
    });
    const before = new Map([...t.params.params].map(([k, p]) => [k, Float32Array.from(p.data)]));
    await t.trainStep();
    let moved = 0;
    for (const [k, p] of t.params.params) {
      for (const [i, v] of p.data.entries()) moved += (v - before.get(k)![i]) ** 2;
    }
    expect(Math.sqrt(moved)).toBeCloseTo(1e-3, 5);
  });

  it('pins a non-finite value to the first node that produced it, with its input statistics', async () => {
    const feed = blobsFeed();
    const x = (feed as unknown as { train: Record<string, { data: Float32Array }> }).train['node:x:output']
      .data;
    x[5] = Number.POSITIVE_INFINITY;
    const t = trainer(mlpDoc(), { shuffle: false }, feed);
    const events: TrainEvent[] = [];
    t.on((e) => events.push(e));
    const o = await t.trainStep();
    expect(o.ok).toBe(false);
    if (o.ok) return;
    expect(o.report).toMatchObject({ phase: 'forward', node: 'node:fc1', op: 'linear', step: 0 });
    expect(o.report.inputs[0]).toMatchObject({ name: 'x', stats: { shape: [16, 4], inf: 1, nan: 0 } });
    expect(o.report.suggestions).toContain('lower the learning rate');
    expect(events.some((e) => e.type === 'nonfinite')).toBe(true);
  });

  it('a huge learning rate blows the weights up and the guard names a node of the graph', async () => {
    const t = trainer(mlpDoc(), { optimizer: { name: 'SGD', hyperparams: { lr: 1e30 } } });
    let report = null;
    for (let i = 0; i < 10 && !report; i++) {
      const o = await t.trainStep();
      if (!o.ok) report = o.report;
    }
    expect(report).not.toBeNull();
    expect(['node:fc1', 'node:relu', 'node:fc2', 'node:loss']).toContain(report!.node);
  });

  it('recompiles mid-run: kept layers keep weights and optimizer state, changed ones start again', async () => {
    const t = trainer(mlpDoc(8));
    await losses(t, 3);
    const kept = Float32Array.from(t.params.get('node:fc2/bias').data);
    const events: TrainEvent[] = [];
    t.on((e) => events.push(e));
    const report = t.recompile(compiler(mlpDoc(12)));
    expect(report.kept).toEqual(['node:fc2/bias']);
    expect(report.initialised).toEqual(['node:fc1/weight', 'node:fc1/bias', 'node:fc2/weight']);
    expect(t.params.get('node:fc2/bias').data).toEqual(kept);
    expect(events[0]).toMatchObject({ type: 'recompiled', optimizerStateKept: ['node:fc2/bias'] });
    expect((await losses(t, 2)).every(Number.isFinite)).toBe(true);
  });

  it('a graph that no longer compiles leaves the running model as it was', () => {
    const t = trainer(mlpDoc(8));
    const broken = mlpDoc(8);
    broken.nodes.find((n) => n.id === 'node:fc2')!.params.in_features = 3;
    expect(() => t.recompile(compiler(broken))).toThrow(/mat1 and mat2/);
    expect(t.plan.params.map((p) => p.shape)).toEqual([[8, 4], [8], [3, 8], [3]]);
  });

  it('survives a lost device: resumes from the last checkpoint and ends where an undisturbed run ends', async () => {
    class FlakyFeed implements DataFeed {
      calls = 0;
      constructor(private readonly inner: ArrayFeed) {}
      size(split: Split) {
        return this.inner.size(split);
      }
      batch(split: Split, indices: ArrayLike<number>, sources: readonly PlanSource[]) {
        if (split === 'train' && ++this.calls === 6) {
          const e = new Error('webgpu: the WebGPU device was lost (test)');
          e.name = 'DeviceLostError';
          throw e;
        }
        return this.inner.batch(split, indices, sources);
      }
    }
    const steady = trainer(mlpDoc(), { checkpointEvery: 2 });
    await losses(steady, 7);
    const flaky = trainer(mlpDoc(), { checkpointEvery: 2 });
    const feed = new FlakyFeed(blobsFeed());
    Object.assign(flaky, { feed });
    const events: TrainEvent[] = [];
    flaky.on((e) => events.push(e));
    while (flaky.step < 7) await flaky.trainStep();
    expect(events.filter((e) => e.type === 'recovered')).toEqual([
      { type: 'recovered', reason: 'webgpu: the WebGPU device was lost (test)', fromStep: 4, lostSteps: 1 },
    ]);
    for (const [k, p] of steady.params.params) expect(flaky.params.get(k).data).toEqual(p.data);
  });
});
