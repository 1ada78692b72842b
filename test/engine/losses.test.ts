import { describe, expect, it } from 'vitest';
import {
  type Backend,
  BackwardPass,
  getOp,
  isOpError,
  Rng,
  run,
  type Tensor,
  tensor,
} from '../../src/engine/index.ts';
import type { OpName } from '../../src/engine/ops/index.ts';
import { testBackends } from '../backends.ts';
import { type CheckInput, gradientMismatches, randomData } from './finite_difference.ts';

const rng = new Rng(1913);
const read = async (t: Tensor) => Array.from(await t.data());
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const floats = (shape: number[], lo = -2, hi = 2): CheckInput => ({
  shape,
  data: randomData(rng, size(shape), lo, hi),
});
const fixed = (shape: number[], lo = -2, hi = 2): CheckInput => ({ ...floats(shape, lo, hi), grad: false });
const indices = (data: number[], shape = [data.length]): CheckInput => ({
  shape,
  data,
  dtype: 'int32',
  grad: false,
});

/** Target and input apart by at least `gap` everywhere, so |x − y| keeps clear of a kink at 0. */
function awayFrom(target: CheckInput, gap: number, spread: number): CheckInput {
  const data = target.data.map((y, i) => Math.fround(y + (i % 2 ? 1 : -1) * (gap + spread * rng.next())));
  return { shape: target.shape, data };
}

/** Class probabilities: each row (over dim 1) sums to 1. */
function probabilities(shape: number[]): CheckInput {
  const [n, c] = shape;
  const inner = size(shape.slice(2));
  const data = randomData(rng, size(shape), 0.1, 1);
  for (let b = 0; b < n; b++) {
    for (let s = 0; s < inner; s++) {
      let total = 0;
      for (let k = 0; k < c; k++) total += data[(b * c + k) * inner + s];
      for (let k = 0; k < c; k++)
        data[(b * c + k) * inner + s] = Math.fround(data[(b * c + k) * inner + s] / total);
    }
  }
  return { shape, data, grad: false };
}

const lossOf =
  (op: OpName, attrs: Record<string, unknown> = {}) =>
  (ts: (Tensor | null)[]) => [run(op, ts, attrs as never)];

/** The error message an op call fails with (and that it is a typed OpError). */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(isOpError(e), `a typed OpError, got ${(e as Error).stack}`).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected the call to fail');
}

const LOSSES: OpName[] = [
  'mse_loss',
  'l1_loss',
  'smooth_l1_loss',
  'huber_loss',
  'cross_entropy',
  'nll_loss',
  'binary_cross_entropy',
  'binary_cross_entropy_with_logits',
  'kl_div',
];

describe.each(await testBackends())('loss ops on $name', (backend: Backend) => {
  /** Each group of tests runs where the backend has every op it uses, forward and backward. */
  const supports = (ops: OpName[]) =>
    ops.every((op) => backend.supports(getOp(op)) && backend.supports(getOp(`${op}_backward`)));
  const regression = supports(['mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss']);
  const classes = supports(['cross_entropy', 'nll_loss']);
  const probabilistic = supports(['binary_cross_entropy', 'binary_cross_entropy_with_logits', 'kl_div']);
  const on = (data: number[], shape: number[], dtype: 'float32' | 'int32' = 'float32') =>
    tensor(data, shape, dtype, backend);
  const grads = (fn: (ts: (Tensor | null)[]) => Tensor[], specs: CheckInput[]) =>
    gradientMismatches(fn as (ts: Tensor[]) => Tensor[], specs, backend);

  describe.skipIf(!regression)('regression losses', () => {
    it.each(['mean', 'sum', 'none'])(
      'mse_loss has finite-difference gradients with reduction %s',
      async (reduction) => {
        expect(await grads(lossOf('mse_loss', { reduction }), [floats([3, 4]), fixed([3, 4])])).toEqual([]);
      },
    );

    it('mse_loss broadcasts input and target, summing the gradient back to the input', async () => {
      expect(await grads(lossOf('mse_loss'), [floats([1, 4]), fixed([3, 4])])).toEqual([]);
      expect(await grads(lossOf('mse_loss', { reduction: 'none' }), [floats([3, 4]), fixed([4])])).toEqual(
        [],
      );
      expect(await read(run('mse_loss', [on([1, 2], [2]), on([0, 0, 0, 0], [2, 2])]))).toEqual([2.5]);
    });

    it.each(['mean', 'sum', 'none'])(
      'l1_loss has finite-difference gradients with reduction %s',
      async (reduction) => {
        const target = fixed([3, 4]);
        expect(await grads(lossOf('l1_loss', { reduction }), [awayFrom(target, 0.1, 1), target])).toEqual([]);
      },
    );

    it.each([0.5, 1, 2])(
      'smooth_l1_loss with beta %s has finite-difference gradients on both branches',
      async (beta) => {
        const target = fixed([4, 5]);
        const input = awayFrom(target, 0.05, 2 * beta);
        input.data = input.data.map((x, i) =>
          Math.abs(Math.abs(x - target.data[i]) - beta) < 0.05 ? x + 0.1 : x,
        );
        expect(await grads(lossOf('smooth_l1_loss', { beta }), [input, target])).toEqual([]);
      },
    );

    it('smooth_l1_loss with beta 0 is the L1 loss', async () => {
      const target = fixed([3, 4]);
      const input = awayFrom(target, 0.1, 1);
      const x = on(input.data, input.shape);
      const y = on(target.data, target.shape);
      expect(await read(run('smooth_l1_loss', [x, y], { beta: 0 }))).toEqual(
        await read(run('l1_loss', [x, y])),
      );
      expect(await grads(lossOf('smooth_l1_loss', { beta: 0, reduction: 'sum' }), [input, target])).toEqual(
        [],
      );
    });

    it.each([0.7, 1.5])(
      'huber_loss with delta %s has finite-difference gradients on both branches',
      async (delta) => {
        const target = fixed([4, 5]);
        const input = awayFrom(target, 0.05, 2 * delta);
        input.data = input.data.map((x, i) =>
          Math.abs(Math.abs(x - target.data[i]) - delta) < 0.05 ? x + 0.1 : x,
        );
        expect(await grads(lossOf('huber_loss', { delta, reduction: 'none' }), [input, target])).toEqual([]);
      },
    );

    it('huber_loss is smooth_l1_loss scaled by delta (PyTorch: huber = β·smooth_l1 with β = δ)', async () => {
      const x = on(floats([6]).data, [6]);
      const y = on(floats([6]).data, [6]);
      const huber = (await read(run('huber_loss', [x, y], { delta: 1.5, reduction: 'sum' })))[0];
      const smooth = (await read(run('smooth_l1_loss', [x, y], { beta: 1.5, reduction: 'sum' })))[0];
      expect(huber).toBeCloseTo(1.5 * smooth, 5);
    });
  });

  describe.skipIf(!classes)('cross_entropy', () => {
    it.each([
      ['mean', {}],
      ['sum', { reduction: 'sum' }],
      ['none', { reduction: 'none' }],
      ['label smoothing', { label_smoothing: 0.2 }],
    ])('has finite-difference gradients for class indices (%s)', async (_, attrs) => {
      expect(await grads(lossOf('cross_entropy', attrs), [floats([5, 4]), indices([0, 3, 1, 1, 2])])).toEqual(
        [],
      );
    });

    it('has finite-difference gradients with class weights, ignored targets and smoothing', async () => {
      const fn = lossOf('cross_entropy', { label_smoothing: 0.1, ignore_index: 2 });
      expect(await grads(fn, [floats([5, 4]), indices([0, 2, 1, 3, 2]), fixed([4], 0.2, 2)])).toEqual([]);
    });

    it('has finite-difference gradients for input [N, C, d1] and [N, C, d1, d2]', async () => {
      expect(
        await grads(lossOf('cross_entropy'), [floats([2, 3, 4]), indices([0, 1, 2, 2, 1, 0, 0, 1], [2, 4])]),
      ).toEqual([]);
      const target = indices([0, 1, 2, 2, 1, 0, 0, 1], [2, 2, 2]);
      expect(
        await grads(lossOf('cross_entropy', { reduction: 'none' }), [floats([2, 3, 2, 2]), target]),
      ).toEqual([]);
    });

    it('has finite-difference gradients for class-probability targets, with weight and smoothing', async () => {
      expect(await grads(lossOf('cross_entropy'), [floats([4, 3]), probabilities([4, 3])])).toEqual([]);
      const fn = lossOf('cross_entropy', { label_smoothing: 0.3, reduction: 'sum' });
      expect(await grads(fn, [floats([2, 3, 2]), probabilities([2, 3, 2]), fixed([3], 0.2, 2)])).toEqual([]);
    });

    it('takes an unbatched input [C] with a 0-d target', async () => {
      expect(await grads(lossOf('cross_entropy'), [floats([5]), indices([3], [])])).toEqual([]);
      const z = [0.5, -1, 2, 0.25, 0];
      const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      expect((await read(run('cross_entropy', [on(z, [5]), on([3], [], 'int32')])))[0]).toBeCloseTo(
        lse - 0.25,
        6,
      );
    });

    it('leaves ignored targets out of the mean and divides a weighted mean by Σ weight[target]', async () => {
      const logits = floats([5, 4]);
      const z = on(logits.data, logits.shape);
      const target = [1, -100, 3, 0, -100];
      const w = [0.5, 2, 1, 3];
      const perRow = await read(
        run('cross_entropy', [z, on(target, [5], 'int32'), on(w, [4])], {
          reduction: 'none',
        }),
      );
      expect(perRow[1]).toBe(0);
      expect(perRow[4]).toBe(0);
      const kept = [0, 2, 3];
      const expected = kept.reduce((s, r) => s + perRow[r], 0) / kept.reduce((s, r) => s + w[target[r]], 0);
      const mean = (await read(run('cross_entropy', [z, on(target, [5], 'int32'), on(w, [4])])))[0];
      expect(mean).toBeCloseTo(expected, 6);
    });

    it('matches −log softmax(z)[y] computed by hand, and is NaN when every target is ignored', async () => {
      const z = [1, 2, 3, -1, 0, 1];
      const loss = (await read(run('cross_entropy', [on(z, [2, 3]), on([2, 0], [2], 'int32')])))[0];
      const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      expect(loss).toBeCloseTo((lse(z.slice(0, 3)) - 3 + lse(z.slice(3)) + 1) / 2, 6);
      expect(
        (await read(run('cross_entropy', [on(z, [2, 3]), on([-100, -100], [2], 'int32')])))[0],
      ).toBeNaN();
    });

    it('stays finite for logits of ±1000 (one log-sum-exp pass per row)', async () => {
      const z = on([1000, -1000, 0, -1000, 1000, 999], [2, 3]).requireGrad();
      const loss = run('cross_entropy', [z, on([1, 2], [2], 'int32')]);
      new BackwardPass(loss).run();
      const p = 1 / (1 + Math.exp(-1)); // softmax of the second row's 1000 vs 999
      expect((await read(loss))[0]).toBeCloseTo((2000 + (1000 + Math.log(1 + Math.exp(-1)) - 999)) / 2, 3);
      const g = await read(z.grad!);
      expect(g.every(Number.isFinite)).toBe(true);
      const want = [0.5, -0.5, 0, 0, p / 2, -p / 2];
      // the reference tolerance for a float32 engine (GPU exp/log differ in the last bits)
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(g[i] - want[i])).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(want[i]));
    });

    it('records one backward step, a registry op with its formula', async () => {
      const z = on(floats([3, 4]).data, [3, 4]).requireGrad();
      const steps = new BackwardPass(run('cross_entropy', [z, on([0, 1, 2], [3], 'int32')])).run();
      expect(steps.map((s) => s.op)).toEqual(['cross_entropy']);
      expect(steps[0].formula).toContain('softmax(z) − onehot(y)');
      expect(getOp('cross_entropy_backward').kind).toBe('backward');
    });
  });

  describe.skipIf(!classes || !probabilistic)('nll_loss, binary cross-entropy and kl_div', () => {
    it('nll_loss has finite-difference gradients with weight and ignore_index', async () => {
      const fn = lossOf('nll_loss', { ignore_index: 1 });
      expect(await grads(fn, [floats([5, 4], -3, 0), indices([0, 1, 2, 3, 3]), fixed([4], 0.2, 2)])).toEqual(
        [],
      );
      expect(
        await grads(lossOf('nll_loss', { reduction: 'none' }), [
          floats([2, 3, 2]),
          indices([0, 2, 1, 1], [2, 2]),
        ]),
      ).toEqual([]);
    });

    it('nll_loss of log-probabilities equals cross_entropy of the logits', async () => {
      const logits = floats([4, 5]).data;
      const logProbs = [0, 1, 2, 3].flatMap((r) => {
        const row = logits.slice(r * 5, r * 5 + 5);
        const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
        return row.map((v) => v - lse);
      });
      const y = on([4, 0, 2, 2], [4], 'int32');
      const nll = (await read(run('nll_loss', [on(logProbs, [4, 5]), y])))[0];
      expect(nll).toBeCloseTo((await read(run('cross_entropy', [on(logits, [4, 5]), y])))[0], 5);
    });

    it.each(['mean', 'none'])(
      'binary_cross_entropy has finite-difference gradients with weight (%s)',
      async (reduction) => {
        const fn = lossOf('binary_cross_entropy', { reduction });
        expect(await grads(fn, [floats([3, 4], 0.1, 0.9), fixed([3, 4], 0, 1), fixed([4], 0.5, 2)])).toEqual(
          [],
        );
      },
    );

    it('binary_cross_entropy clamps each log term at −100', async () => {
      const loss = run('binary_cross_entropy', [on([0, 1, 0.5], [3]), on([1, 0, 1], [3])], {
        reduction: 'none',
      });
      const [a, b, c] = await read(loss);
      expect([a, b]).toEqual([100, 100]);
      expect(c).toBeCloseTo(Math.LN2, 6);
    });

    it('binary_cross_entropy_with_logits has finite-difference gradients with weight and pos_weight [C]', async () => {
      const fn = lossOf('binary_cross_entropy_with_logits');
      const specs = [floats([3, 4], -3, 3), fixed([3, 4], 0, 1), fixed([3, 1], 0.5, 2), fixed([4], 0.5, 3)];
      expect(await grads(fn, specs)).toEqual([]);
    });

    it('binary_cross_entropy_with_logits stays finite for logits of ±1000', async () => {
      const x = on([1000, -1000, 1000, -1000], [4]).requireGrad();
      const loss = run('binary_cross_entropy_with_logits', [x, on([1, 0, 0, 1], [4])], { reduction: 'sum' });
      new BackwardPass(loss).run();
      expect((await read(loss))[0]).toBe(2000);
      expect(await read(x.grad!)).toEqual([0, 0, 1, -1]);
    });

    it.each([
      ['batchmean', false],
      ['mean', false],
      ['none', true],
      ['sum', true],
    ])(
      'kl_div has finite-difference gradients (reduction %s, log_target %s)',
      async (reduction, logTarget) => {
        const target = logTarget ? fixed([3, 5], -3, 0) : probabilities([3, 5]);
        const fn = lossOf('kl_div', { reduction, log_target: logTarget });
        expect(await grads(fn, [floats([3, 5], -3, 0), target])).toEqual([]);
      },
    );

    it('kl_div counts 0·log 0 as 0 and batchmean divides by the batch size', async () => {
      const x = on([-1, -2, -0.5, -3], [2, 2]);
      const y = on([0, 1, 0.5, 0.5], [2, 2]);
      const sum = (await read(run('kl_div', [x, y], { reduction: 'sum' })))[0];
      // 0 + 1·(log 1 + 2) + 0.5·(log 0.5 + 0.5) + 0.5·(log 0.5 + 3)
      expect(sum).toBeCloseTo(3.75 + Math.log(0.5), 6);
      expect((await read(run('kl_div', [x, y], { reduction: 'batchmean' })))[0]).toBeCloseTo(sum / 2, 6);
    });
  });

  describe.skipIf(!supports(LOSSES))('bad input', () => {
    const z = () => on(floats([4, 10]).data, [4, 10]);

    // Value checks need the values on the host; a GPU step never reads back (like CUDA, which
    // asserts on the device), so these run on the CPU reference only.
    it.skipIf(backend.name !== 'cpu')(
      'reports a class index out of range with PyTorch’s message',
      async () => {
        expect(failure(() => run('cross_entropy', [z(), on([1, 12, 0, 3], [4], 'int32')]))).toBe(
          'Target 12 is out of bounds.',
        );
        expect(failure(() => run('nll_loss', [z(), on([1, -1, 0, 3], [4], 'int32')]))).toBe(
          'Target -1 is out of bounds.',
        );
      },
    );

    it('reports mismatched batch sizes and target shapes with PyTorch’s messages', async () => {
      expect(failure(() => run('cross_entropy', [z(), on([1, 2, 0], [3], 'int32')]))).toBe(
        'Expected input batch_size (4) to match target batch_size (3).',
      );
      expect(
        failure(() =>
          run('cross_entropy', [
            on(floats([2, 3, 4]).data, [2, 3, 4]),
            on(new Array(10).fill(0), [2, 5], 'int32'),
          ]),
        ),
      ).toBe('Expected target size [2, 4], got [2, 5]');
      expect(failure(() => run('nll_loss', [z(), on(new Array(8).fill(0), [4, 2], 'int32')]))).toBe(
        '0D or 1D target tensor expected, multi-target not supported',
      );
      expect(
        failure(() => run('cross_entropy', [z(), on([1, 2, 0, 1], [4], 'int32'), on([1, 1, 1], [3])])),
      ).toBe(
        'weight tensor should be defined either for all 10 classes or no classes but got weight tensor of shape: [3]',
      );
    });

    it('tells class indices from probabilities by shape and dtype', async () => {
      expect(failure(() => run('cross_entropy', [z(), on([1, 2, 0, 1], [4])]))).toBe(
        'cross_entropy: expected scalar type Long but found Float',
      );
      expect(failure(() => run('cross_entropy', [z(), on(new Array(40).fill(0), [4, 10], 'int32')]))).toBe(
        'cross_entropy: Expected floating point type for target with class probabilities, got Long',
      );
      const probs = probabilities([4, 10]);
      expect(failure(() => run('cross_entropy', [z(), on(probs.data, [4, 10])], { ignore_index: 0 }))).toBe(
        'cross_entropy: ignore_index is not supported for floating point target (got 0)',
      );
    });

    it('reports shape mismatches of the pointwise losses as PyTorch does', async () => {
      const a = on(floats([3, 4]).data, [3, 4]);
      const b = on(floats([3, 3]).data, [3, 3]);
      const message =
        'The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1';
      expect(failure(() => run('mse_loss', [a, b]))).toBe(message);
      expect(failure(() => run('l1_loss', [a, b]))).toBe(message);
      expect(failure(() => run('binary_cross_entropy', [a, on([0, 1, 0], [3])]))).toBe(
        'Using a target size (torch.Size([3])) that is different to the input size (torch.Size([3, 4])) is deprecated. Please ensure they have the same size.',
      );
      expect(failure(() => run('binary_cross_entropy_with_logits', [a, on([0, 1, 0], [3])]))).toBe(
        'Target size (torch.Size([3])) must be the same as input size (torch.Size([3, 4]))',
      );
      expect(failure(() => run('binary_cross_entropy_with_logits', [a, a, null, on([1, 2, 3], [3])]))).toBe(
        'The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1',
      );
    });

    it.skipIf(backend.name !== 'cpu')(
      'rejects probabilities outside [0, 1] and bad attributes by name',
      async () => {
        expect(failure(() => run('binary_cross_entropy', [on([0.5, 1.5], [2]), on([0, 1], [2])]))).toBe(
          'all elements of input should be between 0 and 1',
        );
        const a = on([1, 2], [2]);
        expect(failure(() => run('mse_loss', [a, a], { reduction: 'avg' as never }))).toMatch(
          /^mse_loss: reduction "avg" is not a valid value for reduction/,
        );
        expect(failure(() => run('mse_loss', [a, a], { reduction: 'batchmean' as never }))).toMatch(
          /not a valid value/,
        );
        expect(
          failure(() =>
            run('cross_entropy', [z(), on([1, 2, 0, 1], [4], 'int32')], { label_smoothing: 1.5 }),
          ),
        ).toBe('cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: 1.5');
        expect(failure(() => run('huber_loss', [a, a], { delta: 0 }))).toBe(
          'huber_loss: delta must be positive, got 0',
        );
        expect(failure(() => run('smooth_l1_loss', [a, a], { beta: -1 }))).toBe(
          'smooth_l1_loss: beta must not be negative, got -1',
        );
      },
    );
  });
});
