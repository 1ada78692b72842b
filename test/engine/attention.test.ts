import { describe, expect, it } from 'vitest';
import { Rng, run, runAll, type Tensor, tensor } from '../../src/engine/index.ts';
import { testBackends } from '../backends.ts';
import { expectClose, gradientMismatches, randomData } from './finite_difference.ts';

const rng = new Rng(31);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const input = (shape: number[], lo = -1, hi = 1) => ({ shape, data: randomData(rng, size(shape), lo, hi) });

const read = async (t: Tensor) => Array.from(await t.data());

describe.each(await testBackends())('attention ops on $name', (backend) => {
  const on = (data: number[], shape: number[]) => tensor(data, shape, 'float32', backend);
  const random = (shape: number[]) => on(randomData(rng, size(shape)), shape);

  describe('scaled_dot_product_attention', () => {
    it('has gradients matching finite differences with a batch of heads, a mask and a custom scale', async () => {
      const mask = { ...input([3, 4]), grad: false };
      const sdpa = ([q, k, v, m]: Tensor[]) => [
        run('scaled_dot_product_attention', [q, k, v, m], { scale: 0.7 }),
      ];
      const specs = [input([2, 2, 3, 5]), input([2, 2, 4, 5]), input([2, 2, 4, 3]), mask];
      expect(await gradientMismatches(sdpa, specs, backend)).toEqual([]);
    });

    it('has gradients matching finite differences when causal', async () => {
      const sdpa = ([q, k, v]: Tensor[]) => [
        run('scaled_dot_product_attention', [q, k, v], { causal: true }),
      ];
      expect(await gradientMismatches(sdpa, [input([4, 3]), input([4, 3]), input([4, 2])], backend)).toEqual(
        [],
      );
    });

    it('lets the first query see only the first key when causal', async () => {
      const v = random([4, 3]);
      const y = run('scaled_dot_product_attention', [random([4, 2]), random([4, 2]), v], { causal: true });
      expect((await read(y)).slice(0, 3)).toEqual((await read(v)).slice(0, 3));
    });

    it('averages the values evenly when every score is equal', async () => {
      const v = random([3, 2]);
      const y = run('scaled_dot_product_attention', [on([0, 0], [1, 2]), random([3, 2]), v]);
      const values = await read(v);
      const mean = [0, 1].map((j) => (values[j] + values[2 + j] + values[4 + j]) / 3);
      expectClose(await read(y), mean);
    });

    it('says which operands disagree', () => {
      expect(() =>
        run('scaled_dot_product_attention', [random([2, 4]), random([3, 5]), random([3, 2])]),
      ).toThrow('q and k must have the same feature size, got q [2, 4] and k [3, 5]');
      expect(() =>
        run('scaled_dot_product_attention', [random([2, 4]), random([3, 4]), random([2, 2])]),
      ).toThrow('k and v must have the same number of keys');
      expect(() =>
        run('scaled_dot_product_attention', [random([2, 4]), random([3, 4]), random([3, 2]), random([3, 3])]),
      ).toThrow('mask [3, 3] does not broadcast to the scores [2, 3]');
    });
  });

  describe('multi_head_attention', () => {
    const mha = (attrs: object) => (t: Tensor[]) => runAll('multi_head_attention', t, attrs);

    it('has gradients matching finite differences for inputs and all projections', async () => {
      const E = 4;
      const specs = [
        input([2, 3, E]),
        input([2, 2, E]),
        input([2, 2, E]),
        input([3 * E, E]),
        input([3 * E]),
        input([E, E]),
        input([E]),
      ];
      expect(await gradientMismatches(mha({ num_heads: 2 }), specs, backend)).toEqual([]);
    });

    it('has gradients matching finite differences when causal and without biases', async () => {
      const E = 6;
      const specs = [input([1, 3, E]), input([1, 3, E]), input([1, 3, E]), input([3 * E, E]), input([E, E])];
      const noBias = ([q, k, v, w, wo]: Tensor[]) =>
        runAll('multi_head_attention', [q, k, v, w, null, wo, null], {
          num_heads: 3,
          causal: true,
          bias: false,
        });
      expect(await gradientMismatches(noBias, specs, backend)).toEqual([]);
    });

    it('has gradients matching finite differences with an additive attn_mask per batch and head', async () => {
      const E = 4;
      const mask = { ...input([2 * 2, 3, 2]), grad: false };
      const specs = [
        input([2, 3, E]),
        input([2, 2, E]),
        input([2, 2, E]),
        input([3 * E, E]),
        input([E, E]),
        mask,
      ];
      const masked = ([q, k, v, w, wo, m]: Tensor[]) =>
        runAll('multi_head_attention', [q, k, v, w, null, wo, null, m], { num_heads: 2, bias: false });
      expect(await gradientMismatches(masked, specs, backend)).toEqual([]);
    });

    it('gives the same result for causal and for an equivalent attn_mask', async () => {
      const E = 4;
      const x = random([1, 3, E]);
      const params = [random([3 * E, E]), random([3 * E]), random([E, E]), random([E])];
      const future = on([0, -1e9, -1e9, 0, 0, -1e9, 0, 0, 0], [3, 3]);
      const [causal] = runAll('multi_head_attention', [x, x, x, ...params], { num_heads: 2, causal: true });
      const [masked] = runAll('multi_head_attention', [x, x, x, ...params, future], { num_heads: 2 });
      expectClose(await read(masked), await read(causal));
    });

    it('returns attention weights averaged over heads: rows sum to 1, zero above the diagonal when causal', async () => {
      const E = 4;
      const x = random([2, 3, E]);
      const [, weights] = runAll(
        'multi_head_attention',
        [x, x, x, random([3 * E, E]), random([3 * E]), random([E, E]), random([E])],
        { num_heads: 2, causal: true },
      );
      expect(weights.shape).toEqual([2, 3, 3]);
      const w = await read(weights);
      for (let row = 0; row < 6; row++) {
        const r = w.slice(row * 3, row * 3 + 3);
        expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        const i = row % 3;
        for (let j = i + 1; j < 3; j++) expect(r[j]).toBe(0);
      }
    });

    it('with one head equals scaled_dot_product_attention on the projections', async () => {
      const E = 3;
      const [q, k, v] = [random([1, 2, E]), random([1, 4, E]), random([1, 4, E])];
      const [w, wo] = [random([3 * E, E]), random([E, E])];
      const [y] = runAll('multi_head_attention', [q, k, v, w, null, wo, null], { num_heads: 1, bias: false });
      const rows = (start: number) =>
        run('transpose', [run('narrow', [w], { dim: 0, start, length: E })], { dim0: 0, dim1: 1 });
      const projected = [q, k, v].map((t, i) => run('matmul', [t, rows(i * E)]));
      const attended = run('scaled_dot_product_attention', projected);
      const want = await read(run('matmul', [attended, run('transpose', [wo], { dim0: 0, dim1: 1 })]));
      expectClose(await read(y), want, 5);
    });

    it('names the embedding and head mismatches as PyTorch does', () => {
      const params = (E: number) => [random([3 * E, E]), random([3 * E]), random([E, E]), random([E])];
      const x = random([1, 2, 6]);
      expect(() => run('multi_head_attention', [x, x, x, ...params(6)], { num_heads: 4 })).toThrow(
        'embed_dim must be divisible by num_heads',
      );
      expect(() => run('multi_head_attention', [x, x, x, ...params(8)], { num_heads: 2 })).toThrow(
        'was expecting embedding dimension of 8, but got 6',
      );
      expect(() =>
        run('multi_head_attention', [x, x, x, params(6)[0], null, params(6)[2], null], { num_heads: 2 }),
      ).toThrow('bias is true, so in_proj_bias is required');
      expect(() =>
        run('multi_head_attention', [x, x, x, ...params(6), random([4, 2, 2])], { num_heads: 2 }),
      ).toThrow('The shape of the 3D attn_mask is torch.Size([4, 2, 2]), but should be (2, 2, 2).');
    });
  });
});
