import { describe, expect, it } from 'vitest';
import { backward, cpuBackend, Rng, run, type Tensor, tensor } from '../../src/engine/index.ts';
import { testBackends } from '../backends.ts';
import { gradientMismatches, randomData } from './finite_difference.ts';

const rng = new Rng(99);

const read = async (t: Tensor) => Array.from(await t.data());

describe.each(await testBackends())('embedding on $name', (backend) => {
  const on = (data: number[], shape: number[], dtype: 'float32' | 'int32' = 'float32') =>
    tensor(data, shape, dtype, backend);

  it('looks up one row per index, keeping the indices’ shape', async () => {
    const weight = on([0, 1, 10, 11, 20, 21], [3, 2]);
    const y = run('embedding', [on([2, 0, 0, 1], [2, 2], 'int32'), weight]);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(await read(y)).toEqual([20, 21, 0, 1, 0, 1, 10, 11]);
  });

  it('has weight gradients matching finite differences, repeated indices included', async () => {
    const indices = { data: [1, 3, 1, 0, 3, 3], shape: [2, 3], dtype: 'int32' as const };
    const weight = { data: randomData(rng, 8), shape: [4, 2] };
    const embed = ([i, w]: Tensor[]) => [run('embedding', [i, w])];
    expect(await gradientMismatches(embed, [indices, weight], backend)).toEqual([]);
  });

  it('adds up the gradients of repeated indices and leaves the padding row at zero', async () => {
    const weight = on(randomData(rng, 6), [3, 2]).requireGrad();
    const y = run('embedding', [on([1, 1, 2, 0], [4], 'int32'), weight], { padding_idx: 0 });
    backward([{ tensor: y, grad: on([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]) }]);
    // rows 0 and 1 of dY go to row 1; row 2 to row 2; row 3 (index 0) is the padding row
    expect(await read(weight.grad!)).toEqual([0, 0, 4, 6, 5, 6]);
  });

  it('counts a negative padding_idx from the end, as PyTorch does', async () => {
    const dW = run('embedding_backward', [on([2, 0], [2], 'int32'), on([1, 1, 1, 1], [2, 2])], {
      num_weights: 3,
      padding_idx: -1,
    });
    expect(await read(dW)).toEqual([1, 1, 0, 0, 0, 0]);
  });

  it('rejects float indices and a padding_idx outside the table', () => {
    const weight = on(randomData(rng, 6), [3, 2]);
    expect(() => run('embedding', [on([0, 1], [2]), weight])).toThrow(
      "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int",
    );
    expect(() => run('embedding', [on([0], [1], 'int32'), weight], { padding_idx: 3 })).toThrow(
      'Padding_idx must be within num_embeddings',
    );
  });
});

describe('embedding on the CPU reference backend', () => {
  // index values are only known where the kernel runs; the CPU kernel checks them as PyTorch does
  it('reports an index out of range', () => {
    const weight = tensor([1, 2, 3, 4], [2, 2], 'float32', cpuBackend);
    expect(() => run('embedding', [tensor([2], [1], 'int32', cpuBackend), weight])).toThrow(
      'index out of range in self (embedding: index 2, num_embeddings 2)',
    );
  });
});
