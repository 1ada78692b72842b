import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/training/compile.ts';
import type { Plan } from '../../src/engine/compile/plan.ts';
import { cpuBackend } from '../../src/engine/index.ts';
import { Trainer } from '../../src/engine/runtime/train.ts';
import type { GraphDocument } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { loadDocumentData } from '../../src/training/feed.ts';
import { loadTemplateFile } from '../../src/templates/node-loader.ts';

/** A trainer over a template as it ships (its dataset node, its optimizer), on the CPU. */
async function trainerFor(doc: GraphDocument, seed = 0): Promise<Trainer> {
  const data = await loadDocumentData(doc, catalog);
  const compile = (symbols: Record<string, number>): Plan => {
    const result = compileGraph(doc, { catalog, symbols });
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
    return result.plan;
  };
  return new Trainer(compile, data.feed, cpuBackend, {
    batchSize: data.sampler.batchSize,
    epochs: 1,
    seed,
    validate: false,
  });
}

function templateDoc(name: string): GraphDocument {
  const r = loadTemplateFile(name, catalog);
  if (!r.ok) throw new Error(`${name} does not load`);
  return r.template.doc;
}

async function train(trainer: Trainer, steps: number, name: string): Promise<number[]> {
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const outcome = await trainer.trainStep();
    if (!outcome.ok) throw new Error(`${name}: non-finite ${outcome.report.what} at step ${k}`);
    losses.push(outcome.metrics.loss);
  }
  return losses;
}

/** The first losses of a template trained as it ships. */
async function firstLosses(name: string, steps: number): Promise<number[]> {
  return train(await trainerFor(templateDoc(name)), steps, name);
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

  it('zero-init symmetry: the trainer starts every weight at 0 and the hidden units never differ', async () => {
    const doc = templateDoc('zero_init_symmetry');
    const hidden = doc.nodes.find((n) => n.type === 'Linear' && n.params.init === 'zeros' && !n.params.bias);
    if (!hidden) throw new Error('zero_init_symmetry has no bias-free zero-init Linear');
    const trainer = await trainerFor(doc);
    const losses = await train(trainer, 40, 'zero_init_symmetry');
    const w = trainer.params.get(`${hidden.id}/weight`).data; // [8, 2], rows = hidden units
    expect(Math.hypot(...w)).toBeGreaterThan(1e-3); // the weights did move...
    for (let unit = 1; unit < 8; unit++) {
      expect(w[2 * unit]).toBeCloseTo(w[0], 6); // ...but every unit moved the same way
      expect(w[2 * unit + 1]).toBeCloseTo(w[1], 6);
    }
    // the same network from PyTorch's default init breaks the symmetry and gets further
    const defaults = structuredClone(doc);
    for (const n of defaults.nodes) if (n.type === 'Linear') n.params.init = 'default';
    const broken = await train(await trainerFor(defaults), 40, 'default init');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(broken.slice(30))).toBeLessThan(mean(losses.slice(30)));
  }, 60_000);
});
