import { describe, expect, it } from 'vitest';
import { run, tensor } from '../../src/engine/index.ts';
import { createNode, GraphStore, type NodeId } from '../../src/graph/index.ts';
import { isEvaluatorNode } from '../../src/nodes/evaluators/metric.ts';
import { catalog } from '../../src/nodes/index.ts';
import { lowerNode } from './harness.ts';

const evaluator = (type: string) => {
  const def = catalog.get(type);
  if (!isEvaluatorNode(def)) throw new Error(`${type} is not an evaluator`);
  return def;
};
const values = async (t: { data(): Promise<ArrayLike<number>> }) => Array.from(await t.data());

// three samples, four classes; targets 2, 0, 3
const logits = tensor([0.1, 0.5, 2.0, 0.3, 1.0, 3.0, 0.2, 0.1, 0.4, 0.9, 0.8, 0.1], [3, 4]);
const targets = tensor([2, 0, 3], [3], 'int32');

describe('evaluators', () => {
  it('Accuracy: top-1 counts arg-max hits, top-k the target among the k best', async () => {
    const top1 = lowerNode(evaluator('Accuracy'), [logits, targets]);
    // sample 0: arg-max 2 ✓; sample 1: arg-max 1 ✗ (target 0 is 2nd); sample 2: arg-max 1 ✗ (target 3 is 4th)
    expect((await values(top1.outputs[0]))[0]).toBeCloseTo(1 / 3, 6);
    const top2 = lowerNode(evaluator('Accuracy'), [logits, targets], { top_k: 2 });
    expect((await values(top2.outputs[0]))[0]).toBeCloseTo(2 / 3, 6);
    const top4 = lowerNode(evaluator('Accuracy'), [logits, targets], { top_k: 4 });
    expect((await values(top4.outputs[0]))[0]).toBe(1);
  });

  it('ConfusionMatrix: rows are true classes, columns arg-max predictions', async () => {
    const m = lowerNode(evaluator('ConfusionMatrix'), [logits, targets], { num_classes: 4 });
    expect(await values(m.outputs[0])).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
  });

  it('Perplexity: exp of the mean cross-entropy; uniform logits give the vocabulary size', async () => {
    const uniform = lowerNode(evaluator('Perplexity'), [
      tensor(new Array(2 * 3 * 5).fill(0.7), [2, 3, 5]),
      tensor([0, 1, 2, 3, 4, 0], [2, 3], 'int32'),
    ]);
    expect((await values(uniform.outputs[0]))[0]).toBeCloseTo(5, 5);
    const ppl = lowerNode(evaluator('Perplexity'), [logits, targets]);
    const ce = await values(run('cross_entropy', [logits, targets]));
    expect((await values(ppl.outputs[0]))[0]).toBeCloseTo(Math.exp(ce[0]), 5);
  });

  it('GradNorm: the p-norm of what it is given (the runtime gives it the edge’s gradient)', async () => {
    const g = tensor([3, -4], [2]);
    expect((await values(lowerNode(evaluator('GradNorm'), [g]).outputs[0]))[0]).toBeCloseTo(5, 5);
    expect((await values(lowerNode(evaluator('GradNorm'), [g], { norm_type: 1 }).outputs[0]))[0]).toBeCloseTo(
      7,
      5,
    );
    expect(evaluator('GradNorm').metric.reads).toBe('gradient');
  });

  it('ActivationStats: mean, unbiased std and the fraction of exact zeros', async () => {
    const s = lowerNode(evaluator('ActivationStats'), [tensor([0, 0, 1, 3], [2, 2])]);
    const [mean, std, zeros] = await Promise.all(s.outputs.map(values));
    expect(mean[0]).toBeCloseTo(1, 6);
    expect(std[0]).toBeCloseTo(Math.sqrt((1 + 1 + 0 + 4) / 3), 6);
    expect(zeros[0]).toBe(0.5);
  });

  it('combine batches: weighted mean, sums, a running average, the geometric mean', () => {
    const acc = evaluator('Accuracy').metric;
    let state = acc.update(null, [1], 2, {});
    state = acc.update(state, [0.5], 6, {});
    expect(acc.read(state)).toEqual([0.625]);
    const cm = evaluator('ConfusionMatrix').metric;
    expect(cm.read(cm.update(cm.update(null, [1, 0, 0, 1], 2, {}), [0, 1, 0, 1], 2, {}))).toEqual([
      1, 1, 0, 2,
    ]);
    const loss = evaluator('RunningLoss').metric;
    expect(loss.read(loss.update(loss.update(null, [2], 1, {}), [1], 1, { smoothing: 0.75 }))).toEqual([
      1.75,
    ]);
    const ppl = evaluator('Perplexity').metric;
    expect(ppl.read(ppl.update(ppl.update(null, [2], 1, {}), [8], 1, {}))[0]).toBeCloseTo(4, 10);
  });

  it('probe any edge of a graph: their outputs are metrics, not tensors for layers', () => {
    const store = new GraphStore();
    const tx = store.apply([
      { kind: 'addNode', node: createNode(catalog, 'Input', { id: 'node:x', params: { shape: ['N', 8] } }) },
      { kind: 'addNode', node: createNode(catalog, 'ReLU', { id: 'node:relu' }) },
      { kind: 'addNode', node: createNode(catalog, 'ActivationStats', { id: 'node:stats' }) },
      { kind: 'addNode', node: createNode(catalog, 'GradNorm', { id: 'node:grad' }) },
      {
        kind: 'connect',
        edge: {
          id: 'edge:1',
          from: { node: 'node:x', port: 'output' },
          to: { node: 'node:relu', port: 'input' },
        },
      },
      {
        kind: 'connect',
        edge: {
          id: 'edge:2',
          from: { node: 'node:relu', port: 'output' },
          to: { node: 'node:stats', port: 'input' },
        },
      },
      {
        kind: 'connect',
        edge: {
          id: 'edge:3',
          from: { node: 'node:relu', port: 'output' },
          to: { node: 'node:grad', port: 'input' },
        },
      },
    ]);
    expect(tx).not.toBeInstanceOf(Error);
    expect(store.typeOf('node:stats' as NodeId)?.status).toBe('ok');
    expect(store.typeOf('node:grad' as NodeId)?.outputs.norm).toEqual({ dtype: 'float32', dims: [] });
    const refused = store.apply([
      { kind: 'addNode', node: createNode(catalog, 'ReLU', { id: 'node:relu2' }) },
      {
        kind: 'connect',
        edge: {
          id: 'edge:4',
          from: { node: 'node:stats', port: 'mean' },
          to: { node: 'node:relu2', port: 'input' },
        },
      },
    ]);
    expect(refused).toBeInstanceOf(Error);
  });
});
