/** Backward mode on one chosen example of the sample batch, or on the whole batch. */
import { describe, expect, it } from 'vitest';
import { type BackwardStepper, StepperError } from '../../src/graph/stepper.ts';
import { catalog, defaultsOf } from '../../src/nodes/index.ts';
import { createSampleStepper, exampleFeeds, sliceAlong } from '../../src/ui/stepper/sample.ts';
import { doc } from '../training/helpers.ts';
import { id, mlpDocument } from './graphs.ts';
import { close, mlpBackprop } from './manual.ts';

const options = { symbols: { N: 4 }, intHigh: 3 };

function stepper(sample: number | null, document = mlpDocument(), classes = 3): BackwardStepper {
  const s = createSampleStepper(document, catalog, { ...options, intHigh: classes }, sample);
  if (s instanceof StepperError) throw s;
  s.all();
  return s;
}

const data = (s: BackwardStepper, node: string, port = 'output') =>
  Array.from(s.forward.values.get(id(node))![port].dataSync());
const param = (s: BackwardStepper, key: string) => s.forward.params.get(`node:${key}`)!;
const grad = (s: BackwardStepper, key: string) => Array.from(s.pass.gradOf(param(s, key))!.dataSync());

describe('choosing one example or the whole batch', () => {
  it('slices a row-major tensor along any axis', () => {
    const t = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]; // [2, 3, 2]
    expect(sliceAlong([2, 3, 2], t, 0, 1)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(sliceAlong([2, 3, 2], t, 1, 2)).toEqual([4, 5, 10, 11]);
    expect(sliceAlong([2, 3, 2], t, 2, 0)).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('one example runs alone (N = 1) on its row of the batch, with the same weights', () => {
    const batch = stepper(null);
    const one = stepper(2);
    expect(data(one, 'x')).toEqual(data(batch, 'x').slice(8, 12));
    expect(data(one, 'y')).toEqual([data(batch, 'y')[2]]);
    expect(Array.from(param(one, 'fc1/weight').dataSync())).toEqual(
      Array.from(param(batch, 'fc1/weight').dataSync()),
    );
    expect(one.viewAt(0).produced[0].grad.shape).toEqual([1, 3]);
  });

  it('its gradients are that example’s own: the notes’ backprop on one row', () => {
    const one = stepper(1);
    const values = (key: string) => Array.from(param(one, key).dataSync());
    const m = mlpBackprop({
      x: data(one, 'x'),
      y: data(one, 'y'),
      W1: values('fc1/weight'),
      b1: values('fc1/bias'),
      W2: values('fc2/weight'),
      b2: values('fc2/bias'),
      N: 1,
      D: 4,
      H: 5,
      C: 3,
    });
    expect(one.lossValue).toBeCloseTo(m.loss, 5);
    expect(close(grad(one, 'fc1/weight'), m.dW1)).toBe(true);
    expect(close(grad(one, 'fc2/bias'), m.db2)).toBe(true);
  });

  it('the batch gradient (mean loss) is the mean of the four examples’ gradients', () => {
    const batch = stepper(null);
    const examples = [0, 1, 2, 3].map((i) => stepper(i));
    for (const key of ['fc1/weight', 'fc1/bias', 'fc2/weight', 'fc2/bias']) {
      const mean = grad(batch, key).map((_, j) => examples.reduce((s, e) => s + grad(e, key)[j], 0) / 4);
      expect(close(grad(batch, key), mean), key).toBe(true);
    }
    const losses = examples.map((e) => e.lossValue);
    expect(batch.lossValue).toBeCloseTo(losses.reduce((a, b) => a + b, 0) / 4, 5);
  });

  it('a dataset node gives both its outputs for the example: x and y', () => {
    const xor = doc(
      [
        ['data', 'XOR', { samples: 40, batch_size: 4 }],
        ['fc', 'Linear', { ...defaultsOf(catalog.get('Linear')!), in_features: 2, out_features: 2 }],
        ['loss', 'CrossEntropyLoss', defaultsOf(catalog.get('CrossEntropyLoss')!)],
      ],
      ['data.x -> fc.input', 'fc.output -> loss.input', 'data.y -> loss.target'],
    );
    const feeds = exampleFeeds(xor, catalog, { ...options, intHigh: 2 }, 3);
    expect(Object.keys(feeds).sort()).toEqual(['node:data#0', 'node:data#1']);
    const batch = stepper(null, xor, 2);
    expect(feeds['node:data#0']).toEqual(data(batch, 'data', 'x').slice(6, 8));
    expect(feeds['node:data#1']).toEqual([data(batch, 'data', 'y')[3]]);
    const one = stepper(3, xor, 2);
    expect(data(one, 'data', 'x')).toEqual(feeds['node:data#0']);
  });
});
