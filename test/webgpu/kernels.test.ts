import { describe, it } from 'vitest';
import { describeGpu, expectSameAsCpu } from './gpu.ts';

describeGpu('WebGPU kernels agree with the CPU reference on random inputs', () => {
  describe('elementwise binary ops with broadcasting', () => {
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum']) {
      it(`${op}: same shapes (vec4 path), odd sizes, broadcast both ways, scalars`, async () => {
        await expectSameAsCpu(op, [
          { shape: [4, 8], grad: true },
          { shape: [4, 8], grad: true },
        ]);
        await expectSameAsCpu(op, [{ shape: [3, 5] }, { shape: [3, 5] }]);
        await expectSameAsCpu(op, [
          { shape: [2, 3, 4], grad: true },
          { shape: [3, 1], grad: true },
        ]);
        await expectSameAsCpu(op, [{ shape: [5] }, { shape: [5, 1] }]);
        await expectSameAsCpu(op, [{ shape: [] }, { shape: [2, 3], grad: true }]);
      });
    }
  });

  it('neg', async () => {
    await expectSameAsCpu('neg', [{ shape: [7, 3], grad: true }]);
  });

  it('matmul: 2-D tiles with ragged edges, 1-D operands, broadcast batches, batch folded into rows', async () => {
    await expectSameAsCpu('matmul', [
      { shape: [70, 33], grad: true },
      { shape: [33, 65], grad: true },
    ]);
    await expectSameAsCpu('matmul', [{ shape: [5] }, { shape: [5] }]);
    await expectSameAsCpu('matmul', [
      { shape: [3, 5], grad: true },
      { shape: [5], grad: true },
    ]);
    await expectSameAsCpu('matmul', [
      { shape: [5], grad: true },
      { shape: [5, 4], grad: true },
    ]);
    await expectSameAsCpu('matmul', [
      { shape: [2, 1, 6, 7], grad: true },
      { shape: [3, 7, 5], grad: true },
    ]);
    await expectSameAsCpu('matmul', [
      { shape: [4, 6, 7], grad: true },
      { shape: [7, 9], grad: true },
    ]);
  });

  it('movement: permute, transpose, reshape, expand', async () => {
    await expectSameAsCpu('permute', [{ shape: [2, 3, 4, 5], grad: true }], { dims: [3, 1, 0, 2] });
    await expectSameAsCpu('transpose', [{ shape: [2, 3, 4], grad: true }], { dim0: -1, dim1: 0 });
    await expectSameAsCpu('reshape', [{ shape: [2, 3, 4], grad: true }], { shape: [4, -1] });
    await expectSameAsCpu('expand', [{ shape: [3, 1], grad: true }], { shape: [2, 3, 4] });
  });

  it('sum_to: short and long reductions, leading and inner dims', async () => {
    await expectSameAsCpu('sum_to', [{ shape: [2, 3, 4], grad: true }], { shape: [3, 1] });
    await expectSameAsCpu('sum_to', [{ shape: [300, 5] }], { shape: [5] });
    await expectSameAsCpu('sum_to', [{ shape: [3, 2000] }], { shape: [3, 1] });
    await expectSameAsCpu('sum_to', [{ shape: [4, 5] }], { shape: [] });
  });
});

describeGpu('WebGPU kernels at the edges', () => {
  it('linear with zero input features gives the bias; an empty batch gives an empty result', async () => {
    await expectSameAsCpu('linear', [{ shape: [2, 0] }, { shape: [3, 0] }, { shape: [3] }]);
    await expectSameAsCpu('linear', [{ shape: [0, 4] }, { shape: [3, 4] }]);
  });

  it('lets NaN win a max-pool window and a max reduction, as PyTorch does', async () => {
    await expectSameAsCpu('max_pool2d', [{ shape: [1, 1, 2, 2], data: [1, Number.NaN, 7, 2] }], {
      kernel_size: 2,
    });
    await expectSameAsCpu('max', [{ shape: [2, 2], data: [1, Number.NaN, 3, 4] }], { dim: 1 });
  });
});
