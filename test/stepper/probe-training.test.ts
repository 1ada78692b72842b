/**
 * Probes and gradient health during training, through the training host in Node (the code
 * the Web Worker runs): a probe's condition pauses the run and sends its tensor; every k steps
 * a 'health' message gives each layer's ‖∇W‖/‖W‖, update ratio and dead-ReLU fraction.
 */
import { describe, expect, it } from 'vitest';
import { Trainer } from '../../src/engine/runtime/train.ts';
import { type GraphDocument, GraphStore, type NodeId } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { loadDocumentData } from '../../src/training/feed.ts';
import { compilerFor } from '../../src/training/session.ts';
import type { HealthMessage, MonitorOptions, ProbeMessage } from '../../src/training/monitor.ts';
import { type TrainCommand, TrainingHost, type TrainMessage } from '../../src/training/train-host.ts';
import { testBackends } from '../backends.ts';
import { xorWithProbe } from './graphs.ts';

const LR = 0.5;

/** A host in this thread; `send` resolves when the command is carried out (run: when the loop stops). */
async function openHost(document: GraphDocument, monitor: MonitorOptions = {}) {
  const seen: TrainMessage[] = [];
  const host = new TrainingHost((m) => seen.push(structuredClone(m)));
  const send = (cmd: TrainCommand) => host.handle(cmd);
  await send({
    type: 'open',
    doc: document,
    backend: 'cpu',
    config: { epochs: 2, seed: 3, optimizer: { name: 'SGD', hyperparams: { lr: LR, momentum: 0 } } },
    monitor,
  });
  const errors = seen.filter((m) => m.type === 'error');
  expect(errors).toEqual([]);
  return { seen, send };
}

const probesIn = (seen: TrainMessage[]) => seen.filter((m): m is ProbeMessage => m.type === 'probe');
const healthIn = (seen: TrainMessage[]) => seen.filter((m): m is HealthMessage => m.type === 'health');
const lastState = (seen: TrainMessage[]) => seen.filter((m) => m.type === 'state').at(-1);

const l2 = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('a Probe node during training', () => {
  it('every k steps: pauses the run at steps k, 2k, … and sends the tensor it sees', async () => {
    const { seen, send } = await openHost(xorWithProbe({ condition: 'every_k', every: 3 }), {
      healthEvery: 0,
    });
    await send({ type: 'run' });
    expect(lastState(seen)).toMatchObject({ state: 'paused', step: 3 });
    await send({ type: 'run' });
    expect(lastState(seen)).toMatchObject({ state: 'paused', step: 6 });
    const [first, second] = probesIn(seen);
    expect(first).toMatchObject({ node: 'node:probe', step: 3, reason: 'step 3 (every 3)' });
    expect(second.step).toBe(6);
    // the ReLU's output for the whole batch: 20 examples × 16 units, none negative
    expect(first.tensor.shape).toEqual([20, 16]);
    expect(first.tensor.values).toHaveLength(320);
    expect(Math.min(...first.tensor.values)).toBeGreaterThanOrEqual(0);
    expect(first.tensor.stats.norm).toBeCloseTo(l2(first.tensor.values), 3);
    expect(first.tensor.values).not.toEqual(second.tensor.values);
    expect(healthIn(seen)).toEqual([]);
  });

  it('norm above a threshold: pauses at the first step whose tensor is larger, and says by how much', async () => {
    const { seen, send } = await openHost(xorWithProbe({ condition: 'norm_above', threshold: 1e-3 }), {
      healthEvery: 0,
    });
    await send({ type: 'run' });
    expect(lastState(seen)).toMatchObject({ state: 'paused', step: 1 });
    const [hit] = probesIn(seen);
    const norm = l2(hit.tensor.values);
    expect(norm).toBeGreaterThan(1e-3);
    expect(hit.reason).toBe(`‖x‖ = ${norm.toPrecision(4)} > 0.001 at step 1`);
  });

  it('a high threshold never fires: the run goes to the end', async () => {
    const { seen, send } = await openHost(xorWithProbe({ condition: 'norm_above', threshold: 1e9 }), {
      healthEvery: 0,
    });
    await send({ type: 'run' });
    expect(lastState(seen)).toMatchObject({ state: 'done', step: 16 });
    expect(probesIn(seen)).toEqual([]);
  });

  it('traces one chosen example: its row of the batch comes with the tensor', async () => {
    const { seen, send } = await openHost(xorWithProbe({ condition: 'every_k', every: 2, example: 5 }), {
      healthEvery: 0,
    });
    await send({ type: 'run' });
    const [hit] = probesIn(seen);
    expect(hit.example).toEqual({ index: 5, shape: [16], values: hit.tensor.values.slice(5 * 16, 6 * 16) });
  });

  it('a non-finite value pauses whatever the condition, beside the trainer’s non-finite report', async () => {
    // x / 0 makes every value after it infinite or NaN from the first step on
    const document = xorWithProbe({ condition: 'norm_above', threshold: 1e30 });
    document.nodes.push(
      {
        id: 'node:zero',
        type: 'Tensor',
        params: { shape: [], values: '0', requires_grad: false },
        position: { x: 0, y: 200 },
      },
      { id: 'node:div', type: 'Div', params: {}, position: { x: 100, y: 200 } },
    );
    document.edges = document.edges.flatMap((e) =>
      e.to.node === 'node:fc1'
        ? [
            { ...e, to: { node: 'node:div', port: 'a' } },
            {
              id: 'edge:zero',
              from: { node: 'node:zero', port: 'output' },
              to: { node: 'node:div', port: 'b' },
            },
            { id: 'edge:div', from: { node: 'node:div', port: 'output' }, to: e.to },
          ]
        : [e],
    );
    const { seen, send } = await openHost(document, { healthEvery: 0 });
    await send({ type: 'run' });
    expect(lastState(seen)).toMatchObject({ state: 'paused', step: 0 });
    expect(seen.some((m) => m.type === 'nonfinite')).toBe(true);
    const [hit] = probesIn(seen);
    expect(hit.reason).toBe(`${hit.tensor.stats.nonFinite} non-finite values at step 1`);
    expect(hit.tensor.stats.nonFinite).toBeGreaterThan(0);
  });
});

describe('gradient health during training', () => {
  it('every k steps: ‖∇W‖/‖W‖, the update ratio and the dead-ReLU fraction per layer', async () => {
    // the probe reads the ReLU's output at the same steps, to count dead units independently
    const { seen, send } = await openHost(xorWithProbe({ condition: 'every_k', every: 2 }), {
      healthEvery: 2,
    });
    await send({ type: 'stepBatch' });
    expect(healthIn(seen)).toEqual([]);
    await send({ type: 'stepBatch' });
    const [health] = healthIn(seen);
    expect(health.step).toBe(2);
    expect(health.layers.map((l) => l.nodeId).sort()).toEqual(['node:act', 'node:fc1', 'node:fc2']);
    const fc1 = health.layers.find((l) => l.nodeId === 'node:fc1')!;
    expect(fc1.nodeType).toBe('Linear');
    expect(fc1.params.map((p) => p.name).sort()).toEqual(['bias', 'weight']);
    for (const p of fc1.params) {
      expect(p.gradToWeight).toBeGreaterThan(0);
      // plain SGD moves W by lr·∇W: the update ratio is lr times the gradient ratio
      expect(p.updateRatio).toBeCloseTo(LR * p.gradToWeight!, 6);
    }
    const relu = health.layers.find((l) => l.nodeId === 'node:act')!;
    const [probe] = probesIn(seen);
    expect(probe.step).toBe(2);
    const [n, units] = probe.tensor.shape;
    let dead = 0;
    for (let u = 0; u < units; u++) {
      let alive = false;
      for (let i = 0; i < n; i++) alive ||= probe.tensor.values[i * units + u] > 0;
      if (!alive) dead++;
    }
    expect(relu.deadFraction).toBe(dead / units);
    await send({ type: 'stepBatch' });
    await send({ type: 'stepBatch' });
    expect(healthIn(seen).map((h) => h.step)).toEqual([2, 4]);
  });

  it('takes a health interval changed while the session opens over the one open was sent with', async () => {
    const seen: TrainMessage[] = [];
    const host = new TrainingHost((m) => seen.push(structuredClone(m)));
    const opening = host.handle({
      type: 'open',
      doc: xorWithProbe({ condition: 'every_k', every: 1000 }),
      backend: 'cpu',
      config: { epochs: 2, seed: 3, optimizer: { name: 'SGD', hyperparams: { lr: LR } } },
      monitor: { healthEvery: 1 },
    });
    await host.handle({ type: 'monitor', options: { healthEvery: 0 } });
    await opening;
    for (let i = 0; i < 3; i++) await host.handle({ type: 'stepBatch' });
    expect(lastState(seen)).toMatchObject({ step: 3 });
    expect(healthIn(seen)).toEqual([]);
  });

  it('flags vanishing and exploding layers by node, by the thresholds given', async () => {
    const { seen, send } = await openHost(xorWithProbe({ condition: 'every_k', every: 1000 }), {
      healthEvery: 1,
      thresholds: { exploding: 1e-12 },
    });
    await send({ type: 'stepBatch' });
    const [health] = healthIn(seen);
    expect(health.flagged['node:fc1']).toContain('exploding');
    expect(health.flagged['node:fc2']).toContain('exploding');
    const calm = await openHost(xorWithProbe({ condition: 'every_k', every: 1000 }), {
      healthEvery: 1,
      thresholds: { vanishing: 1e12 },
    });
    await calm.send({ type: 'stepBatch' });
    expect(healthIn(calm.seen)[0].flagged['node:fc2']).toContain('vanishing');
  });
});

describe('the trainer reads watched node outputs back', () => {
  it('on every backend, the same values; a watched tensor that is also the logits is freed once', async () => {
    const document = xorWithProbe({ condition: 'non_finite' });
    const watched: Map<string, Float32Array>[] = [];
    for (const backend of await testBackends()) {
      const data = await loadDocumentData(document, catalog);
      const trainer = new Trainer(compilerFor(document, catalog), data.feed, backend, {
        batchSize: 20,
        epochs: 1,
        seed: 3,
        validate: false,
        optimizer: { name: 'SGD', hyperparams: { lr: LR } },
      });
      const seen = new Map<string, Float32Array>();
      for (let step = 1; step <= 3; step++) {
        // the probe's tensor, and the logits the accuracy count reads too
        trainer.watch = ['node:probe:output', 'node:fc2:output', 'node:nowhere:output'];
        const outcome = await trainer.trainStep();
        expect(outcome.ok, backend.name).toBe(true);
        expect([...trainer.watched.keys()]).toEqual(['node:probe:output', 'node:fc2:output']);
        expect(trainer.watched.get('node:fc2:output')!.shape).toEqual([20, 2]);
        if (step === 3) for (const [k, v] of trainer.watched) seen.set(k, v.data);
      }
      watched.push(seen);
    }
    const [cpu, ...others] = watched;
    for (const other of others)
      for (const [key, values] of cpu) {
        const got = other.get(key)!;
        expect(got.length).toBe(values.length);
        for (let i = 0; i < values.length; i++) expect(got[i]).toBeCloseTo(values[i], 3);
      }
  }, 120_000);
});

describe('inside a composite', () => {
  /** The XOR graph with fc1 → ReLU → Probe grouped into one composite, `node:block`. */
  function grouped(probe: Record<string, unknown>): GraphDocument {
    const store = new GraphStore({ catalog });
    const loaded = store.load(xorWithProbe(probe));
    if (!loaded.ok) throw new Error(loaded.errors[0].message);
    const ids = ['node:fc1', 'node:act', 'node:probe'] as NodeId[];
    const made = store.apply({ kind: 'group', ids, compositeId: 'node:block' as NodeId });
    if (made instanceof Error) throw made;
    return store.doc;
  }

  it('reports the health of inner layers and pauses on an inner probe, named by their path', async () => {
    const { seen, send } = await openHost(grouped({ condition: 'every_k', every: 2 }), { healthEvery: 2 });
    await send({ type: 'run' });
    expect(lastState(seen)).toMatchObject({ state: 'paused', step: 2 });
    const [health] = healthIn(seen);
    expect(health.layers.map((l) => l.nodeId).sort()).toEqual([
      'node:block/node:act',
      'node:block/node:fc1',
      'node:fc2',
    ]);
    expect(health.layers.find((l) => l.nodeId === 'node:block/node:fc1')?.nodeType).toBe('Linear');
    const relu = health.layers.find((l) => l.nodeId === 'node:block/node:act')!;
    expect(relu.nodeType).toBe('ReLU');
    expect(relu.deadFraction).not.toBeNull();
    const [probe] = probesIn(seen);
    expect(probe).toMatchObject({ node: 'node:block/node:probe', step: 2 });
    // the probe passes the ReLU's output through: 20 examples × 16 units, none negative
    expect(probe.tensor.shape).toEqual([20, 16]);
    expect(Math.min(...probe.tensor.values)).toBeGreaterThanOrEqual(0);
  });
});
