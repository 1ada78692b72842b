import { describe, expect, it } from 'vitest';
import { collapseBroadcast } from '../../src/engine/backends/webgpu/kernels/elementwise.ts';
import { describeGpu, expectSameAsCpu, webgpu } from './gpu.ts';

describe('broadcast dims are merged where both operands step through them as one', () => {
  it('a per-channel bias over NCHW keeps three dims, a scalar or same shape one', () => {
    expect(collapseBroadcast([8, 6, 5, 5], [8, 6, 5, 5], [6, 1, 1])).toEqual({
      shape: [8, 6, 25],
      a: [150, 25, 1],
      b: [0, 1, 0],
    });
    expect(collapseBroadcast([8, 6, 5, 5], [], [8, 6, 5, 5])).toEqual({ shape: [1200], a: [0], b: [1] });
    expect(collapseBroadcast([2, 1, 3], [2, 1, 3], [2, 1, 3])).toEqual({ shape: [6], a: [1], b: [1] });
  });
});

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
        // a scalar against a multiple of 4 (vec4, splatted); a per-channel bias (dims merged)
        await expectSameAsCpu(op, [
          { shape: [2, 8], grad: true },
          { shape: [1], grad: true },
        ]);
        await expectSameAsCpu(op, [
          { shape: [2, 4, 3, 5], grad: true },
          { shape: [4, 1, 1], grad: true },
        ]);
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

  it('matmul: products large enough for 64×64 tiles, with ragged edges', async () => {
    await expectSameAsCpu('linear', [{ shape: [530, 8] }, { shape: [520, 8] }, { shape: [520] }]);
  });

  it('splits grids past the workgroup limit: 1-D launches over 2-D grids, batches over dispatches', async () => {
    const rt = webgpu!.runtime;
    const limit = rt.gridLimit;
    rt.gridLimit = 3;
    try {
      await expectSameAsCpu('matmul', [
        { shape: [7, 5, 2], grad: true },
        { shape: [7, 2, 3], grad: true },
      ]);
      await expectSameAsCpu('conv2d', [
        { shape: [5, 2, 4, 4], grad: true },
        { shape: [3, 2, 3, 3], grad: true },
      ]);
      await expectSameAsCpu('add', [{ shape: [1000] }, { shape: [1] }]);
    } finally {
      rt.gridLimit = limit;
    }
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

describeGpu('WebGPU conv, pool, norm and loss kernels agree with the CPU reference', () => {
  it('conv2d: groups, stride, dilation, padding, bias, and both gradients', async () => {
    const attrs = { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 };
    await expectSameAsCpu(
      'conv2d',
      [
        { shape: [2, 4, 9, 8], grad: true },
        { shape: [6, 2, 3, 3], grad: true },
        { shape: [6], grad: true },
      ],
      attrs,
    );
  });

  it('conv2d with enough windows for 64×64 tiles', async () => {
    await expectSameAsCpu('conv2d', [{ shape: [1, 2, 66, 66] }, { shape: [16, 2, 3, 3] }, { shape: [16] }]);
  });

  it('conv2d with few output channels (short wide tiles) and a long weight-gradient sum (split K)', async () => {
    // K of the weight gradient = 12·18·18 = 3888: split over several workgroups, then added up
    await expectSameAsCpu(
      'conv2d',
      [
        { shape: [12, 3, 20, 20], grad: true },
        { shape: [5, 3, 3, 3], grad: true },
        { shape: [5], grad: true },
      ],
      {},
    );
    await expectSameAsCpu(
      'conv2d',
      [
        { shape: [6, 4, 15, 15], grad: true },
        { shape: [12, 2, 5, 5], grad: true },
        { shape: [12], grad: true },
      ],
      { padding: 2, groups: 2 },
      // a weight-gradient entry sums 1,350 products of random normals: summed in another
      // order (in splits), float32 rounding differs by ~1e-5 where the sum cancels to ~0.05
      { tol: { rtol: 1e-4, atol: 5e-5 } },
    );
  });

  it('conv_transpose2d with output padding and groups, and its gradients', async () => {
    const attrs = { stride: [2, 2], padding: [1, 0], output_padding: [1, 0], groups: 2 };
    await expectSameAsCpu(
      'conv_transpose2d',
      [
        { shape: [2, 4, 5, 4], grad: true },
        { shape: [4, 3, 3, 2], grad: true },
        { shape: [6], grad: true },
      ],
      attrs,
    );
  });

  it('pools: max with dilation and ceil mode, avg without padding in the divisor, adaptive', async () => {
    await expectSameAsCpu('max_pool2d', [{ shape: [2, 3, 9, 7], grad: true }], {
      kernel_size: 3,
      stride: 2,
      padding: 1,
      dilation: 2,
      ceil_mode: true,
    });
    await expectSameAsCpu('avg_pool2d', [{ shape: [2, 3, 9, 7], grad: true }], {
      kernel_size: 3,
      stride: 2,
      padding: 1,
      ceil_mode: true,
      count_include_pad: false,
    });
    await expectSameAsCpu('adaptive_avg_pool2d', [{ shape: [2, 3, 9, 7], grad: true }], {
      output_size: [4, 3],
    });
  });

  it('norms in training and eval mode, with and without affine parameters', async () => {
    const stats = [
      { shape: [3], range: [-1, 1] as [number, number] },
      { shape: [3], range: [0.5, 2] as [number, number] },
    ];
    await expectSameAsCpu(
      'batch_norm',
      [{ shape: [4, 3, 5], grad: true }, { shape: [3], grad: true }, { shape: [3], grad: true }, ...stats],
      { training: true },
    );
    await expectSameAsCpu('batch_norm', [{ shape: [4, 3, 5], grad: true }, null, null, ...stats], {
      training: false,
    });
    await expectSameAsCpu(
      'layer_norm',
      [
        { shape: [4, 6, 5], grad: true },
        { shape: [6, 5], grad: true },
        { shape: [6, 5], grad: true },
      ],
      { normalized_shape: [6, 5] },
    );
    await expectSameAsCpu(
      'group_norm',
      [
        { shape: [2, 6, 4, 3], grad: true },
        { shape: [6], grad: true },
        { shape: [6], grad: true },
      ],
      { num_groups: 3 },
    );
  });

  it('cross_entropy over spatial dims with weights, smoothing and an ignored index', async () => {
    const target = { shape: [2, 3], dtype: 'int32' as const, data: [0, 4, -100, 2, 1, 3] };
    await expectSameAsCpu(
      'cross_entropy',
      [{ shape: [2, 5, 3], grad: true }, target, { shape: [5], range: [0.5, 2] }],
      { label_smoothing: 0.1 },
    );
    await expectSameAsCpu('cross_entropy', [{ shape: [2, 5, 3], grad: true }, target], { reduction: 'none' });
  });

  it('pointwise losses with broadcasting weights', async () => {
    const probs = { shape: [4, 3], range: [0.05, 0.95] as [number, number] };
    await expectSameAsCpu('binary_cross_entropy', [
      { ...probs, grad: true },
      probs,
      { shape: [3], range: [0.5, 2] },
    ]);
    await expectSameAsCpu(
      'binary_cross_entropy_with_logits',
      [{ shape: [4, 3], grad: true }, probs, { shape: [4, 1] }, { shape: [3], range: [0.5, 2] }],
      { reduction: 'sum' },
    );
    await expectSameAsCpu('huber_loss', [{ shape: [4, 3], grad: true }, { shape: [4, 3] }], {
      delta: 0.5,
      reduction: 'none',
    });
  });

  it('embedding of a large table: the scatter-add gradient path', async () => {
    const ids = {
      shape: [300],
      dtype: 'int32' as const,
      data: Array.from({ length: 300 }, (_, i) => (i * 13) % 97),
    };
    await expectSameAsCpu('embedding', [ids, { shape: [4000, 3], grad: true }], { padding_idx: 7 });
  });

  it('embedding with a padding row and repeated indices', async () => {
    const ids = { shape: [2, 3], dtype: 'int32' as const, data: [1, 3, 1, 0, 3, 2] };
    await expectSameAsCpu('embedding', [ids, { shape: [4, 5], grad: true }], { padding_idx: 3 });
  });

  it('movement: concat of int and float tensors, strided slice, reflect pad and its gradient', async () => {
    await expectSameAsCpu(
      'concat',
      [
        { shape: [2, 3], grad: true },
        { shape: [2, 1], grad: true },
        { shape: [2, 4], grad: true },
      ],
      { dim: 1 },
    );
    await expectSameAsCpu('slice', [{ shape: [3, 10], grad: true }], { dim: 1, start: 1, end: -1, step: 3 });
    await expectSameAsCpu('pad', [{ shape: [2, 3, 4], grad: true }], { pad: [2, 1, 1, 2], mode: 'reflect' });
    await expectSameAsCpu('pad', [{ shape: [2, 3, 4], grad: true }], { pad: [1, 1, 2, 0], mode: 'circular' });
    await expectSameAsCpu('pad', [{ shape: [2, 3, 4], grad: true }], {
      pad: [-1, 2],
      mode: 'constant',
      value: 1.5,
    });
  });

  it('elementwise activations and their backward ops', async () => {
    for (const op of ['exp', 'sigmoid', 'tanh', 'silu', 'relu', 'abs'])
      await expectSameAsCpu(op, [{ shape: [5, 7], grad: true }]);
    await expectSameAsCpu('gelu', [{ shape: [5, 7], grad: true }], { approximate: 'none' });
    await expectSameAsCpu('gelu', [{ shape: [5, 7], grad: true }], { approximate: 'tanh' });
    await expectSameAsCpu('elu', [{ shape: [5, 7], grad: true }], { alpha: 0.7 });
    await expectSameAsCpu('leaky_relu', [{ shape: [5, 7], grad: true }], { negative_slope: 0.2 });
    await expectSameAsCpu('pow', [{ shape: [5, 7], grad: true }], { exponent: 3 });
    await expectSameAsCpu('pow', [{ shape: [5, 7], range: [0.1, 2], grad: true }], { exponent: -1.5 });
    await expectSameAsCpu('log', [{ shape: [5, 7], range: [0.1, 3], grad: true }]);
    await expectSameAsCpu('sqrt', [{ shape: [5, 7], range: [0.1, 3], grad: true }]);
  });

  it('reductions over several dims, keepdim, int32 sums', async () => {
    await expectSameAsCpu('sum', [{ shape: [3, 4, 5], grad: true }], { dim: [0, 2], keepdim: true });
    await expectSameAsCpu('mean', [{ shape: [3, 4, 5], grad: true }], { dim: -1 });
    await expectSameAsCpu('max', [{ shape: [3, 400], grad: true }], { dim: 1 });
    await expectSameAsCpu(
      'sum',
      [{ shape: [3, 4], dtype: 'int32', data: [1, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -12] }],
      { dim: 0 },
    );
    await expectSameAsCpu('softmax', [{ shape: [3, 600], grad: true }], { dim: 1 });
    await expectSameAsCpu('log_softmax', [{ shape: [4, 3, 5], grad: true }], { dim: 1 });
  });
});
