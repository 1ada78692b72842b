import { beforeAll, describe, expect, it } from 'vitest';
import { createWebGPUBackend, type WebGPUBackend } from '../../src/engine/backends/webgpu/index.ts';
import { createNodeWebGPUBackend } from '../../src/engine/backends/webgpu/node.ts';
import { type TrainConfig, Trainer, type TrainEvent } from '../../src/engine/runtime/train.ts';
import { blobsFeed, compiler, mlpDoc, sgd } from './helpers.ts';

/**
 * Training with weights and optimizer state on the WebGPU device: the same numbers as host
 * steps on the same backend, a few bytes read back per step, nothing leaked, NaN located,
 * a lost device survived.
 */
let gpu: WebGPUBackend | null = null;

beforeAll(async () => {
  const made = await createNodeWebGPUBackend();
  gpu = made.backend as WebGPUBackend | null;
  if (!gpu)
    console.warn(
      `\n!!!!! DEVICE TRAINING TESTS SKIPPED: ${made.reason}.\n!!!!! Run \`sudo bash scripts/install-system-deps.sh\`.\n`,
    );
});

/** A backend of its own: losing it, or counting its tensors, leaves the shared one alone. */
async function ownBackend(): Promise<WebGPUBackend | null> {
  const { create } = await import('webgpu');
  return createWebGPUBackend(create([]));
}

function make(config: Partial<TrainConfig> = {}, hidden = 8, backend = gpu!, feed = blobsFeed()): Trainer {
  return new Trainer(compiler(mlpDoc(hidden)), feed, backend, {
    batchSize: 16,
    epochs: 50,
    seed: 7,
    optimizer: sgd,
    ...config,
  });
}

async function run(t: Trainer, steps: number) {
  const out: { loss: number; norms: Record<string, number> }[] = [];
  for (let i = 0; i < steps; i++) {
    const o = await t.trainStep();
    if (!o.ok) throw new Error(`step ${i}: non-finite ${o.report.what}`);
    out.push({ loss: o.metrics.loss, norms: o.metrics.gradNorms });
  }
  return out;
}

async function expectSameWeights(a: Trainer, b: Trainer, tolerance = 2e-5) {
  await a.syncHost();
  await b.syncHost();
  for (const [key, p] of a.params.params) {
    const q = b.params.get(key).data;
    for (const [i, v] of p.data.entries()) expect(Math.abs(v - q[i]), `${key}[${i}]`).toBeLessThan(tolerance);
  }
}

describe('training on the device (WebGPU)', () => {
  it('steps on the device and computes what host steps compute', async () => {
    if (!gpu) return;
    const device = make();
    const host = make({ residency: 'host' });
    expect(device.onDevice).toBe(true);
    expect(host.onDevice).toBe(false);
    const [a, b] = [await run(device, 12), await run(host, 12)];
    for (const [i, s] of a.entries()) {
      expect(s.loss).toBeCloseTo(b[i].loss, 5);
      for (const [node, n] of Object.entries(s.norms)) expect(n).toBeCloseTo(b[i].norms[node], 4);
    }
    await expectSameWeights(device, host);
    expect((await device.evaluate('val'))!.loss).toBeCloseTo((await host.evaluate('val'))!.loss, 5);
  });

  it('reports gradient norms past float32’s Σg² range (‖g‖ > 1.8e19) as host steps do, not +Inf', async () => {
    if (!gpu) return;
    // features of 1e12 make gradients of ~1e11, and after one step ~1e21: still finite floats
    const diverging = { optimizer: { name: 'SGD', hyperparams: { lr: 0.01 } } };
    const device = make(diverging, 8, gpu, blobsFeed(48, 1, 1e12));
    const host = make({ ...diverging, residency: 'host' }, 8, gpu, blobsFeed(48, 1, 1e12));
    const [a, b] = [await run(device, 2), await run(host, 2)];
    expect(Math.max(...Object.values(b[1].norms))).toBeGreaterThan(1e20);
    for (const [i, s] of a.entries())
      for (const [node, n] of Object.entries(s.norms)) expect(n / b[i].norms[node]).toBeCloseTo(1, 5);
  });

  it('clips by the unscaled Σg² when the norms are scaled: the same steps as on the host', async () => {
    if (!gpu) return;
    const clipped = { optimizer: { name: 'SGD', hyperparams: { lr: 0.01 }, clip: { maxNorm: 1 } } };
    const device = make(clipped, 8, gpu, blobsFeed(48, 1, 1e6));
    const host = make({ ...clipped, residency: 'host' }, 8, gpu, blobsFeed(48, 1, 1e6));
    const [a, b] = [await run(device, 4), await run(host, 4)];
    expect(Math.min(...Object.values(a[1].norms))).toBeGreaterThan(1);
    for (const [i, s] of a.entries()) expect(s.loss / b[i].loss).toBeCloseTo(1, 4);
    await expectSameWeights(device, host, 1e-4);
  });

  it('records the next step ahead of this one’s results and computes the same, across epochs and evaluations', async () => {
    if (!gpu) return;
    const ahead = make();
    const inOrder = make({ overlap: false });
    for (let i = 0; i < 8; i++) {
      const [a, b] = [await run(ahead, 1), await run(inOrder, 1)];
      expect(a[0].loss).toBe(b[0].loss);
      // an evaluation between steps sees the weights of the steps taken, not the one recorded ahead
      if (i % 3 === 1)
        expect((await ahead.evaluate('val'))!.loss).toBe((await inOrder.evaluate('val'))!.loss);
    }
    await expectSameWeights(ahead, inOrder, 1e-9);
    // an edit drops what was recorded ahead: the step after it runs on the new graph
    ahead.recompile(compiler(mlpDoc(12)));
    inOrder.recompile(compiler(mlpDoc(12)));
    expect((await run(ahead, 2)).map((s) => s.loss)).toEqual((await run(inOrder, 2)).map((s) => s.loss));
  });

  it('clips and accumulates on the device, with Adam, as the host does', async () => {
    if (!gpu) return;
    const optimizer = { name: 'Adam', hyperparams: { lr: 0.01 }, clip: { maxNorm: 0.05 } };
    const device = make({ optimizer, accumulate: 2 });
    const host = make({ optimizer, accumulate: 2, residency: 'host' });
    const [a, b] = [await run(device, 6), await run(host, 6)];
    for (const [i, s] of a.entries()) expect(s.loss).toBeCloseTo(b[i].loss, 5);
    await expectSameWeights(device, host);
  });

  it('reads back a few bytes per step, never the weights or the gradients', async () => {
    if (!gpu) return;
    const rt = gpu.runtime;
    const bytesPerStep = async (t: Trainer) => {
      await run(t, 1);
      const [reads, bytes] = [rt.reads, rt.readBytes];
      await run(t, 5);
      return { reads: (rt.reads - reads) / 5, bytes: (rt.readBytes - bytes) / 5 };
    };
    const config = { checkpointEvery: 1000, validate: false };
    const device = make(config, 64);
    const weightBytes = device.plan.params.reduce((n, p) => n + 4 * p.shape.reduce((a, d) => a * d, 1), 0);
    const onDevice = await bytesPerStep(device);
    const onHost = await bytesPerStep(make({ ...config, residency: 'host' }, 64));
    console.log(
      `bytes read per step: device ${onDevice.bytes} in ${onDevice.reads} reads, host ${onHost.bytes} in ${onHost.reads}; weights ${weightBytes}`,
    );
    expect(onHost.bytes).toBeGreaterThanOrEqual(weightBytes);
    expect(onDevice.bytes).toBeLessThan(weightBytes / 4);
    expect(onDevice.reads).toBeLessThanOrEqual(6);
  });

  it('leaks nothing: live tensors and bytes stay flat over 200 steps', async () => {
    if (!gpu) return;
    // a backend of its own: tensors other tests forgot are collected at random times on the shared one
    const own = await ownBackend();
    if (!own) return;
    const t = make({ epochs: 100, checkpointEvery: 25 }, 8, own);
    await run(t, 20);
    const before = own.memory();
    await run(t, 200);
    const after = own.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
  });

  it('locates a non-finite value at the node the host steps name', async () => {
    if (!gpu) return;
    const huge = { optimizer: { name: 'SGD', hyperparams: { lr: 1e30 } }, checkpointEvery: 3 };
    const first = async (t: Trainer) => {
      for (let i = 0; i < 20; i++) {
        const o = await t.trainStep();
        if (!o.ok) return o.report;
      }
      return null;
    };
    const device = make(huge);
    const events: TrainEvent[] = [];
    device.on((e) => events.push(e));
    const onDevice = await first(device);
    const onHost = await first(make({ ...huge, residency: 'host' }));
    expect(onDevice).not.toBeNull();
    expect(onDevice).toMatchObject({ node: onHost!.node, phase: onHost!.phase, step: onHost!.step });
    // the replay re-ran steps the listeners had seen: no step is reported twice
    const steps = events.flatMap((e) => (e.type === 'step' ? [e.metrics.step] : []));
    expect(new Set(steps).size).toBe(steps.length);
    // and training can go on from there on the device
    expect(device.onDevice).toBe(true);
  });

  it('keeps the device weights of layers a recompile keeps', async () => {
    if (!gpu) return;
    const t = make();
    await run(t, 3);
    await t.syncHost();
    const kept = Float32Array.from(t.params.get('node:fc2/bias').data);
    const report = t.recompile(compiler(mlpDoc(12)));
    expect(report.kept).toEqual(['node:fc2/bias']);
    await t.syncHost();
    expect(t.params.get('node:fc2/bias').data).toEqual(kept);
    expect((await run(t, 2)).every((s) => Number.isFinite(s.loss))).toBe(true);
  });

  it('survives a lost device: resumes from the last checkpoint read back', async () => {
    if (!gpu) return;
    const own = await ownBackend();
    if (!own) return;
    const flaky = make({ checkpointEvery: 2 }, 8, own);
    const events: TrainEvent[] = [];
    flaky.on((e) => events.push(e));
    await run(flaky, 5);
    own.loseDevice();
    await new Promise((resolve) => setTimeout(resolve, 50));
    while (flaky.step < 7) await flaky.trainStep();
    expect(events.filter((e) => e.type === 'recovered')).toMatchObject([{ fromStep: 4, lostSteps: 1 }]);
    const steadyOnNew = make({ checkpointEvery: 2 }, 8, own);
    await run(steadyOnNew, 7);
    await expectSameWeights(flaky, steadyOnNew);
  });

  it('survives a device lost in the middle of a step: the step resumes from the checkpoint', async () => {
    if (!gpu) return;
    const own = await ownBackend();
    if (!own) return;
    const t = make({ checkpointEvery: 2 }, 8, own);
    const events: TrainEvent[] = [];
    t.on((e) => events.push(e));
    await run(t, 5);
    const step = t.trainStep();
    own.loseDevice();
    const outcome = await step;
    expect(outcome.ok).toBe(true);
    expect(events.filter((e) => e.type === 'recovered')).toMatchObject([{ fromStep: 4 }]);
    expect((await run(t, 3)).every((s) => Number.isFinite(s.loss))).toBe(true);
  });
});
