import { describe, expect, it } from 'vitest';
import { Rng, runAll, type Tensor, tensor } from '../../src/engine/index.ts';
import { testBackends } from '../backends.ts';
import { gradientMismatches, randomData } from './finite_difference.ts';

const rng = new Rng(2024);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const input = (shape: number[], lo = -2, hi = 2) => ({ shape, data: randomData(rng, size(shape), lo, hi) });
const noGradInput = (shape: number[], lo: number, hi: number) => ({ ...input(shape, lo, hi), grad: false });

const read = async (t: Tensor) => Array.from(await t.data());

describe.each(await testBackends())('norm ops on $name', (backend) => {
  const on = (data: number[], shape: number[]) => tensor(data, shape, 'float32', backend);

  describe('batch_norm', () => {
    const bn = (training: boolean) => (t: Tensor[]) =>
      runAll('batch_norm', t, { training, momentum: 0.1, eps: 1e-5 }).slice(0, 1);

    it.each([[[6, 3]], [[3, 2, 4]], [[2, 3, 2, 2]]])(
      'has gradients matching finite differences for x %j in training',
      async (shape) => {
        const C = shape[1];
        const specs = [
          input(shape),
          input([C], 0.5, 1.5),
          input([C]),
          noGradInput([C], -1, 1),
          noGradInput([C], 0.5, 2),
        ];
        expect(await gradientMismatches(bn(true), specs, backend)).toEqual([]);
      },
    );

    it('has gradients matching finite differences in training without weight and bias', async () => {
      const stats = [noGradInput([3], -1, 1), noGradInput([3], 0.5, 2)];
      const plain = ([x, rm, rv]: Tensor[]) =>
        runAll('batch_norm', [x, null, null, rm, rv], { training: true }).slice(0, 1);
      expect(await gradientMismatches(plain, [input([5, 3]), ...stats], backend)).toEqual([]);
    });

    it('has gradients matching finite differences in eval mode', async () => {
      const specs = [
        input([4, 3, 2]),
        input([3], 0.5, 1.5),
        input([3]),
        noGradInput([3], -1, 1),
        noGradInput([3], 0.5, 2),
      ];
      expect(await gradientMismatches(bn(false), specs, backend)).toEqual([]);
    });

    it('updates the running statistics with the batch mean and the unbiased variance', async () => {
      const x = input([4, 2, 3]);
      const rm = [0.5, -0.25];
      const rv = [2, 0.75];
      const [, newMean, newVar] = runAll(
        'batch_norm',
        [on(x.data, x.shape), null, null, on(rm, [2]), on(rv, [2])],
        {
          training: true,
          momentum: 0.25,
        },
      );
      for (let c = 0; c < 2; c++) {
        const values = [0, 1, 2, 3].flatMap((n) => x.data.slice(n * 6 + c * 3, n * 6 + c * 3 + 3));
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const unbiased = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
        expect((await read(newMean))[c]).toBeCloseTo(0.75 * rm[c] + 0.25 * mean, 5);
        expect((await read(newVar))[c]).toBeCloseTo(0.75 * rv[c] + 0.25 * unbiased, 5);
      }
    });

    it('normalises with the running statistics in eval mode and leaves them unchanged', async () => {
      const x = [1, 2, 3, 4];
      const [y, rm, rv] = runAll(
        'batch_norm',
        [on(x, [2, 2]), on([2, 3], [2]), on([1, -1], [2]), on([0, 1], [2]), on([4, 1], [2])],
        {
          training: false,
          eps: 0,
        },
      );
      // channel 0: (x − 0)/2·2 + 1; channel 1: (x − 1)/1·3 − 1
      expect(await read(y)).toEqual([2, 2, 4, 8]);
      expect(await read(rm)).toEqual([0, 1]);
      expect(await read(rv)).toEqual([4, 1]);
    });

    it('names the buffer whose size does not match the channels, in PyTorch words', () => {
      const stats = on([0, 1, 0], [3]);
      expect(() => runAll('batch_norm', [on(randomData(rng, 8), [4, 2]), null, null, stats, stats])).toThrow(
        'running_mean should contain 2 elements not 3',
      );
    });

    it('refuses to train on one value per channel', () => {
      const stats = on([0, 1, 0], [3]);
      expect(() =>
        runAll('batch_norm', [on([1, 2, 3], [1, 3]), null, null, stats, stats], { training: true }),
      ).toThrow('Expected more than 1 value per channel when training, got input size torch.Size([1, 3])');
    });
  });

  describe('layer_norm', () => {
    it('has gradients matching finite differences over two normalised dims', async () => {
      const specs = [input([2, 3, 4]), input([3, 4], 0.5, 1.5), input([3, 4])];
      const ln = (t: Tensor[]) => runAll('layer_norm', t, { normalized_shape: [3, 4] });
      expect(await gradientMismatches(ln, specs, backend)).toEqual([]);
    });

    it('has gradients matching finite differences without weight and bias', async () => {
      const ln = ([x]: Tensor[]) => runAll('layer_norm', [x, null, null], { normalized_shape: [5] });
      expect(await gradientMismatches(ln, [input([3, 5])], backend)).toEqual([]);
    });

    it('gives rows of mean 0 and variance 1 without affine parameters', async () => {
      const [y] = runAll('layer_norm', [on([1, 2, 3, 4, 10, 10, 10, 14], [2, 4])], {
        normalized_shape: [4],
        eps: 0,
      });
      const rows = [(await read(y)).slice(0, 4), (await read(y)).slice(4)];
      for (const row of rows) {
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
        expect(row.reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 5);
      }
    });

    it('says which input shape normalized_shape expected, in PyTorch words', () => {
      expect(() =>
        runAll('layer_norm', [on(randomData(rng, 15), [3, 5])], { normalized_shape: [4] }),
      ).toThrow('Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[3, 5]');
      expect(() =>
        runAll('layer_norm', [on(randomData(rng, 12), [3, 4]), on([1, 1, 1], [3])], {
          normalized_shape: [4],
        }),
      ).toThrow(
        'Expected weight to be of same shape as normalized_shape, but got weight of shape [3] and normalized_shape = [4]',
      );
    });
  });

  describe('group_norm', () => {
    it.each([[2], [3], [6]])(
      'has gradients matching finite differences with %i groups',
      async (num_groups) => {
        const specs = [input([2, 6, 3]), input([6], 0.5, 1.5), input([6])];
        const gn = (t: Tensor[]) => runAll('group_norm', t, { num_groups });
        expect(await gradientMismatches(gn, specs, backend)).toEqual([]);
      },
    );

    it('has gradients matching finite differences on images without weight and bias', async () => {
      const gn = ([x]: Tensor[]) => runAll('group_norm', [x], { num_groups: 2 });
      expect(await gradientMismatches(gn, [input([2, 4, 2, 2])], backend)).toEqual([]);
    });

    it('equals layer_norm over [C, *] with one group', async () => {
      const x = input([2, 3, 4]);
      const [g] = runAll('group_norm', [on(x.data, x.shape)], { num_groups: 1 });
      const [l] = runAll('layer_norm', [on(x.data, x.shape)], { normalized_shape: [3, 4] });
      for (const [i, v] of (await read(g)).entries()) expect(v).toBeCloseTo((await read(l))[i], 6);
    });

    it('needs the channels to divide into groups', () => {
      expect(() => runAll('group_norm', [on(randomData(rng, 30), [2, 5, 3])], { num_groups: 2 })).toThrow(
        'Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 5, 3] and num_groups=2',
      );
    });
  });
});
