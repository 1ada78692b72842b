/** The canvas's view of training health and probes, fed by the same clients the Training dock creates. */
import { describe, expect, it } from 'vitest';
import { type TrainCommand, TrainingHost, type TrainMessage } from '../../src/training/train-host.ts';
import { TrainingClient, type WorkerLike } from '../../src/training/worker-client.ts';
import { createTrainingWatch, watchingClients } from '../../src/ui/stepper/training-watch.ts';
import { xorWithProbe } from './graphs.ts';

/** A worker double: commands go to a host in this thread, messages come back asynchronously. */
function inProcessWorker(): WorkerLike {
  const listeners: ((e: MessageEvent<TrainMessage>) => void)[] = [];
  const host = new TrainingHost((m) =>
    queueMicrotask(() => {
      for (const l of listeners) l({ data: structuredClone(m) } as MessageEvent<TrainMessage>);
    }),
  );
  return {
    postMessage: (cmd: TrainCommand) => void host.handle(structuredClone(cmd)),
    addEventListener: (_type, l) => void listeners.push(l),
  };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('the training watch behind the canvas badges', () => {
  it('every client the dock creates feeds it: health reports, the probe that paused, cleared on resume and reset', async () => {
    const watch = createTrainingWatch();
    const deps = watchingClients(
      { createClient: () => new TrainingClient(inProcessWorker()), other: 1 },
      watch,
    );
    expect(deps.other).toBe(1);
    const client = deps.createClient();
    await client.open(
      xorWithProbe({ condition: 'every_k', every: 12 }, { hidden: 8 }),
      { epochs: 3, optimizer: { name: 'SGD', hyperparams: { lr: 0.3 } } },
      'cpu',
    );
    client.run();
    await until(() => watch.probe() !== null);
    expect(watch.probe()).toMatchObject({ node: 'node:probe', step: 12, reason: 'step 12 (every 12)' });
    expect(watch.probe()!.tensor.shape).toEqual([20, 8]);
    // health every 10 steps (the default): the report of step 10 is the newest
    expect(watch.health()?.step).toBe(10);
    expect(
      watch
        .health()!
        .layers.map((l) => l.nodeId)
        .sort(),
    ).toEqual(['node:act', 'node:fc1', 'node:fc2']);
    client.run();
    await until(() => watch.probe()?.step === 24);
    client.reset(1);
    await until(() => watch.probe() === null && watch.health() === null);
  });
});
