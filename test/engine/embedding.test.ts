import { describe, expect, it } from 'vitest';
import { backward, Rng, run, type Tensor, tensor } from '../../src/engine/index.ts';
import { testBackends } from '../backends.ts';
import { gradientMismatches, randomData } from './finite_difference.ts';

const rng = new Rng(99);

describe.each(await testBackends())('embedding on $name', (backend) => {
  const on = (data: number[], shape: number[], dtype: 'float32' | 'int32' = 'float32') =>
    tensor(data, shape, dtype, backend);

  it('looks up one row per index, keeping the indices’ shape', () => {
    const weight = on([0, 1, 10, 11, 20, 21], [3, 2]);
    const y = run('embedding', [on([2, 0, 0, 1], [2, 2], 'int32'), weight]);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(y.toArray()).toEqual([20, 21, 0, 1, 0, 1, 10, 11]);
  });

  it('has weight gradients matching finite differences, repeated indices included', () => {
    const indices = { data: [1, 3, 1, 0, 3, 3], shape: [2, 3], dtype: 'int32' as const };
    const weight = { data: randomData(rng, 8), shape: [4, 2] };
    const embed = ([i, w]: Tensor[]) => [run('embedding', [i, w])];
    expect(gradientMismatches(embed, [indices, weight], backend)).toEqual([]);
  });

  it('adds up the gradients of repeated indices and leaves the padding row at zero', () => {
    const weight = on(randomData(rng, 6), [3, 2]).requireGrad();
    const y = run('embedding', [on([1, 1, 2, 0], [4], 'int32'), weight], { padding_idx: 0 });
    backward([{ tensor: y, grad: on([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]) }]);
    // rows 0 and 1 of dY go to row 1; row 2 to row 2; row 3 (index 0) is the padding row
    expect(weight.grad!.toArray()).toEqual([0, 0, 4, 6, 5, 6]);
  });

  it('counts a negative padding_idx from the end, as PyTorch does', () => {
    const dW = run('embedding_backward', [on([2, 0], [2], 'int32'), on([1, 1, 1, 1], [2, 2])], {
      num_weights: 3,
      padding_idx: -1,
    });
    expect(dW.toArray()).toEqual([1, 1, 0, 0, 0, 0]);
  });

  it('rejects float indices, a padding_idx outside the table and an index out of range', () => {
    const weight = on(randomData(rng, 6), [3, 2]);
    expect(() => run('embedding', [on([0, 1], [2]), weight])).toThrow(
      "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int",
    );
    expect(() => run('embedding', [on([0], [1], 'int32'), weight], { padding_idx: 3 })).toThrow(
      'Padding_idx must be within num_embeddings',
    );
    expect(() => run('embedding', [on([3], [1], 'int32'), weight])).toThrow('index out of range in self');
  });
});
