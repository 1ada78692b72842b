import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openTrainingSession } from '../../src/training/session.ts';
import { cpuBackend } from '../../src/engine/index.ts';
import { loadDocument } from '../../src/graph/schema.ts';
import { catalog } from '../../src/nodes/index.ts';

/**
 * The acceptance recipe: the 784-128-64-10 MLP on the seeded MNIST split (8,000 / 2,000),
 * SGD momentum 0.9, lr 0.1, batch 64, 5 epochs. PyTorch reaches 92.7 % test accuracy.
 */
describe('the MNIST MLP on the CPU backend', () => {
  it('reaches at least 92 % test accuracy after 5 epochs', { timeout: 600_000 }, async () => {
    const loaded = loadDocument(
      readFileSync(new URL('./fixtures/mnist-mlp.json', import.meta.url), 'utf8'),
      catalog,
    );
    if (!loaded.ok) throw new Error(loaded.errors[0].message);
    const { trainer } = await openTrainingSession(loaded.doc, {
      catalog,
      backend: cpuBackend,
      config: {
        epochs: 5,
        evalBatchSize: 500,
        optimizer: { name: 'SGD', hyperparams: { lr: 0.1, momentum: 0.9 } },
      },
    });
    expect(trainer.feed.size('train')).toBe(8000);
    expect(trainer.feed.size('val')).toBe(2000);
    const lines: string[] = [];
    trainer.on((e) => {
      if (e.type === 'epoch') {
        const m = e.metrics;
        lines.push(
          `epoch ${m.epoch + 1}: train loss ${m.trainLoss.toFixed(4)}, test acc ${(100 * m.val!.accuracy!).toFixed(2)} %, ${m.seconds.toFixed(1)} s, ${Math.round(m.samplesPerSec)} samples/s`,
        );
      }
    });
    while (!trainer.done) {
      const outcome = await trainer.trainEpoch();
      expect(outcome.ok).toBe(true);
    }
    console.log(lines.join('\n'));
    const test = await trainer.evaluate('val');
    expect(test!.accuracy).toBeGreaterThanOrEqual(0.92);
  });
});
