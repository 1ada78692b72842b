import { describe, expect, it } from 'vitest';
import { type TrainCommand, TrainingHost, type TrainMessage } from '../../src/training/train-host.ts';
import { TrainingClient, type WorkerLike } from '../../src/training/worker-client.ts';
import { doc } from './helpers.ts';

/** x from the XOR dataset → Linear → Tanh → Linear → CE. */
function xorDoc() {
  return doc(
    [
      ['data', 'XOR', { samples: 200, batch_size: 20, seed: 1 }],
      ['fc1', 'Linear', { in_features: 2, out_features: 16 }],
      ['act', 'Tanh'],
      ['fc2', 'Linear', { in_features: 16, out_features: 2 }],
      ['loss', 'CrossEntropyLoss'],
    ],
    [
      'data.x -> fc1.input',
      'fc1.output -> act.input',
      'act.output -> fc2.input',
      'fc2.output -> loss.input',
      'data.y -> loss.target',
    ],
  );
}

const config = (lr = 0.5, epochs = 3) => ({
  epochs,
  optimizer: { name: 'SGD', hyperparams: { lr, momentum: 0.9 } },
});

/** A worker double: commands go to a host in this thread, messages come back asynchronously. */
function inProcessWorker(): WorkerLike & { host: TrainingHost; done: Promise<void>[] } {
  const listeners: ((e: MessageEvent<TrainMessage>) => void)[] = [];
  const host = new TrainingHost((m) =>
    queueMicrotask(() => {
      for (const l of listeners) l({ data: structuredClone(m) } as MessageEvent<TrainMessage>);
    }),
  );
  const done: Promise<void>[] = [];
  return {
    host,
    done,
    postMessage: (cmd: TrainCommand) => void done.push(host.handle(structuredClone(cmd))),
    addEventListener: (_type, l) => void listeners.push(l),
  };
}

function collect(client: TrainingClient) {
  const seen: TrainMessage[] = [];
  for (const t of ['state', 'progress', 'epoch', 'nonfinite', 'error', 'notice', 'recompiled'] as const)
    client.on(t, (m) => seen.push(m));
  return seen;
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('the training worker protocol', () => {
  it('opens a document, runs to the end with progress and one message per epoch', async () => {
    const worker = inProcessWorker();
    const client = new TrainingClient(worker);
    const seen = collect(client);
    const info = await client.open(xorDoc(), config(0.5, 10), 'cpu');
    expect(info).toMatchObject({
      backend: 'cpu',
      batchSize: 20,
      batchesPerEpoch: 8,
      epochs: 10,
      trainSamples: 160,
      valSamples: 40,
      parameters: 2 * 16 + 16 + 16 * 2 + 2,
    });
    client.run();
    await until(() => seen.some((m) => m.type === 'state' && m.state === 'done'));
    const epochs = seen.filter((m) => m.type === 'epoch');
    expect(epochs).toHaveLength(10);
    const last = epochs.at(-1)!;
    if (last.type === 'epoch') expect(last.metrics.val!.accuracy).toBeGreaterThan(0.85);
    const progress = seen.filter((m) => m.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(3);
    if (progress[0].type === 'progress') expect(progress[0].metrics.samplesPerSec).toBeGreaterThan(0);
  });

  it('pauses within a step, steps one batch, one epoch, resumes and resets', async () => {
    const worker = inProcessWorker();
    const client = new TrainingClient(worker);
    const seen = collect(client);
    await client.open(xorDoc(), config(0.5, 50), 'cpu');
    const states = () =>
      seen.filter((m): m is Extract<TrainMessage, { type: 'state' }> => m.type === 'state');
    client.run();
    await until(() => seen.some((m) => m.type === 'progress'));
    client.pause();
    await until(() => states().at(-1)?.state === 'paused');
    await Promise.all(worker.done);
    const paused = states().at(-1)!;
    expect(paused.epoch).toBeLessThan(50);

    client.stepBatch();
    await Promise.all(worker.done);
    const afterBatch = states().at(-1)!;
    expect(afterBatch).toMatchObject({ state: 'paused', step: paused.step + 1 });

    // The batch may have been the last of its epoch: one more epoch counts from where it left off.
    client.stepEpoch();
    await Promise.all(worker.done);
    const afterEpoch = states().at(-1)!;
    expect(afterEpoch).toMatchObject({ state: 'paused', epoch: afterBatch.epoch + 1 });

    client.run();
    await until(() => states().at(-1)!.step > afterEpoch.step + 2);
    client.reset(3);
    await Promise.all(worker.done);
    expect(states().at(-1)).toMatchObject({ state: 'idle', epoch: 0, step: 0 });
    client.stop();
    await Promise.all(worker.done);
    expect(states().at(-1)!.state).toBe('stopped');
    client.run();
    await Promise.all(worker.done);
    await until(() => seen.some((m) => m.type === 'error'));
    expect(seen.find((m) => m.type === 'error')).toMatchObject({
      command: 'run',
      message: "'run' needs an open session: send 'open' with a document first",
    });
  });

  it('recompiles after an edit and says which layers kept their weights', async () => {
    const client = new TrainingClient(inProcessWorker());
    const seen = collect(client);
    await client.open(xorDoc(), config(), 'cpu');
    const edited = xorDoc();
    edited.nodes.find((n) => n.id === 'node:fc1')!.params.out_features = 8;
    edited.nodes.find((n) => n.id === 'node:fc2')!.params.in_features = 8;
    client.recompile(edited);
    await until(() => seen.some((m) => m.type === 'recompiled'));
    expect(seen.find((m) => m.type === 'recompiled')).toMatchObject({
      report: {
        kept: ['node:fc2/bias'],
        initialised: ['node:fc1/weight', 'node:fc1/bias', 'node:fc2/weight'],
        removed: [],
      },
    });
  });

  it('pauses on a non-finite value and names the node', async () => {
    // gradient descent on least squares with a step far past 2/λ_max diverges geometrically
    const diverging = doc(
      [
        ['data', 'LinearRegressionData', { samples: 100, features: 3, batch_size: 20 }],
        ['fc', 'Linear', { in_features: 3, out_features: 1 }],
        ['loss', 'MSELoss'],
      ],
      ['data.x -> fc.input', 'fc.output -> loss.input', 'data.y -> loss.target'],
    );
    const client = new TrainingClient(inProcessWorker());
    const seen = collect(client);
    await client.open(diverging, { epochs: 100, optimizer: { name: 'SGD', hyperparams: { lr: 50 } } }, 'cpu');
    client.run();
    await until(() => seen.some((m) => m.type === 'state' && m.state === 'paused'));
    const report = seen.find((m) => m.type === 'nonfinite');
    expect(report).toBeDefined();
    if (report?.type === 'nonfinite') {
      expect(report.report.node).toMatch(/^node:(fc|loss)$/);
      expect(report.report.suggestions).toContain('lower the learning rate');
    }
  });

  it('a document without a dataset node is refused with a message saying what to do', async () => {
    const client = new TrainingClient(inProcessWorker());
    const noData = doc([['x', 'Input', { shape: ['N', 2] }]], []);
    await expect(client.open(noData, config(), 'cpu')).rejects.toThrow(/has no dataset node to train on/);
  });
});
