import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/training/compile.ts';
import type { Plan } from '../../src/engine/compile/plan.ts';
import { cpuBackend } from '../../src/engine/index.ts';
import { Trainer } from '../../src/engine/runtime/train.ts';
import type { GraphDocument } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { loadDocumentData } from '../../src/training/feed.ts';
import { loadTemplateFile } from '../../src/templates/node-loader.ts';

/** The first losses of a template trained as it ships (its dataset node, its optimizer), on the CPU. */
async function firstLosses(name: string, steps: number): Promise<number[]> {
  const r = loadTemplateFile(name, catalog);
  if (!r.ok) throw new Error(`${name} does not load`);
  const doc: GraphDocument = r.template.doc;
  const data = await loadDocumentData(doc, catalog);
  const compile = (symbols: Record<string, number>): Plan => {
    const result = compileGraph(doc, { catalog, symbols });
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
    return result.plan;
  };
  const trainer = new Trainer(compile, data.feed, cpuBackend, {
    batchSize: data.sampler.batchSize,
    epochs: 1,
    seed: 0,
    validate: false,
  });
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const outcome = await trainer.trainStep();
    if (!outcome.ok) throw new Error(`${name}: non-finite ${outcome.report.what} at step ${k}`);
    losses.push(outcome.metrics.loss);
  }
  return losses;
}

describe('templates on dataset nodes train as they ship', () => {
  it('linear regression: the squared error falls', async () => {
    const losses = await firstLosses('linear_regression', 30);
    expect(losses[29]).toBeLessThan(losses[0] / 2);
  }, 60_000);

  it('losses as likelihoods: three fits, each with its own optimizer, all improve together', async () => {
    const losses = await firstLosses('losses_as_likelihoods', 30);
    expect(losses[29]).toBeLessThan(losses[0] / 2);
  }, 60_000);

  it('batch-size noise: SGD on batches of 8 still brings the loss down', async () => {
    const losses = await firstLosses('batch_size_noise', 60);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(50))).toBeLessThan(mean(losses.slice(0, 10)));
  }, 60_000);

  it('first-iteration loss: an untrained 10-class MLP starts near ln 10, then learns', async () => {
    const losses = await firstLosses('first_iteration_loss', 20);
    expect(Math.abs(losses[0] - Math.log(10))).toBeLessThan(0.15);
    expect(losses[19]).toBeLessThan(losses[0]);
  }, 120_000);
});
