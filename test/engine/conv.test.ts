import { describe, expect, it } from 'vitest';
import { Rng, run, type Tensor, tensor } from '../../src/engine/index.ts';
import { testBackends } from '../backends.ts';
import { gradientMismatches, randomData } from './finite_difference.ts';

const rng = new Rng(31);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const input = (shape: number[]) => ({ shape, data: randomData(rng, size(shape)) });

interface Conv {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** conv2d straight from its definition, in float64: y[n,o,i,j] = b[o] + Σ x[n, g·Cg + c, i·s − p + k·d, …]·w[o,c,k,l]. */
function directConv2d(
  x: number[],
  xs: number[],
  w: number[],
  ws: number[],
  b: number[] | null,
  { stride, padding, dilation, groups }: Conv,
): { data: number[]; shape: number[] } {
  const [N, C, H, W] = xs;
  const [O, Cg, KH, KW] = ws;
  const Ho = Math.floor((H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) / stride[0]) + 1;
  const Wo = Math.floor((W + 2 * padding[1] - dilation[1] * (KW - 1) - 1) / stride[1]) + 1;
  const Og = O / groups;
  const y: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let s = b ? b[o] : 0;
          const g = Math.floor(o / Og);
          for (let c = 0; c < Cg; c++)
            for (let k = 0; k < KH; k++)
              for (let l = 0; l < KW; l++) {
                const h = i * stride[0] - padding[0] + k * dilation[0];
                const v = j * stride[1] - padding[1] + l * dilation[1];
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                s += x[((n * C + g * Cg + c) * H + h) * W + v] * w[((o * Cg + c) * KH + k) * KW + l];
              }
          y.push(s);
        }
  return { data: y, shape: [N, O, Ho, Wo] };
}

function expectClose(got: ArrayLike<number>, want: number[], tol = 1e-4) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i] - want[i]), `[${i}] got ${got[i]}, want ${want[i]}`).toBeLessThanOrEqual(
      tol * (1 + Math.abs(want[i])),
    );
  }
}

const cases: { name: string; x: number[]; w: number[]; attrs: Conv }[] = [
  {
    name: 'plain 3×3',
    x: [2, 3, 6, 5],
    w: [4, 3, 3, 3],
    attrs: { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
  },
  {
    name: 'groups=2, padding 1',
    x: [2, 4, 5, 5],
    w: [6, 2, 3, 3],
    attrs: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 2 },
  },
  {
    name: 'dilation 2',
    x: [1, 2, 7, 8],
    w: [3, 2, 3, 2],
    attrs: { stride: [1, 1], padding: [2, 1], dilation: [2, 2], groups: 1 },
  },
  {
    name: 'stride [2, 3]',
    x: [2, 2, 9, 10],
    w: [3, 2, 3, 3],
    attrs: { stride: [2, 3], padding: [1, 0], dilation: [1, 1], groups: 1 },
  },
  {
    name: 'depthwise, stride 2, dilation 2',
    x: [1, 3, 9, 9],
    w: [3, 1, 2, 3],
    attrs: { stride: [2, 2], padding: [1, 2], dilation: [2, 1], groups: 3 },
  },
  {
    name: '1×1 pointwise',
    x: [2, 4, 3, 3],
    w: [5, 4, 1, 1],
    attrs: { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
  },
];

describe.each(await testBackends())('convolutions on $name', (backend) => {
  const on = (v: { data: number[]; shape: number[] }) => tensor(v.data, v.shape, 'float32', backend);

  describe('conv2d', () => {
    it.each(cases)('matches the direct definition ($name)', async ({ x, w, attrs }) => {
      const [xv, wv, bv] = [input(x), input(w), input([w[0]])];
      const y = run('conv2d', [on(xv), on(wv), on(bv)], attrs);
      const want = directConv2d(xv.data, x, wv.data, w, bv.data, attrs);
      expect(y.shape).toEqual(want.shape);
      expectClose(await y.data(), want.data);
    });

    it('matches the direct definition on a size that takes the packed GEMM path', async () => {
      const attrs: Conv = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
      const [xv, wv] = [input([2, 8, 12, 11]), input([16, 8, 3, 3])];
      const y = run('conv2d', [on(xv), on(wv)], attrs);
      expectClose(await y.data(), directConv2d(xv.data, xv.shape, wv.data, wv.shape, null, attrs).data);
    });

    it.each(cases)('has gradients matching finite differences ($name)', async ({ x, w, attrs }) => {
      const conv = (t: Tensor[]) => [run('conv2d', t, attrs)];
      expect(await gradientMismatches(conv, [input(x), input(w), input([w[0]])], backend)).toEqual([]);
    });

    it('takes unbatched [C, H, W] input and gives it gradients of the same shape', async () => {
      const y = run('conv2d', [on(input([2, 5, 5])), on(input([3, 2, 3, 3]))], { padding: 1 });
      expect(y.shape).toEqual([3, 5, 5]);
      expect(
        await gradientMismatches(
          (t) => [run('conv2d', t, { padding: 1 })],
          [input([2, 5, 5]), input([3, 2, 3, 3])],
          backend,
        ),
      ).toEqual([]);
    });

    it('accepts an int for stride, padding and dilation as PyTorch does', async () => {
      const xv = input([1, 2, 7, 7]);
      const wv = input([2, 2, 3, 3]);
      const a = run('conv2d', [on(xv), on(wv)], { stride: 2, padding: 1, dilation: 2 });
      const b = run('conv2d', [on(xv), on(wv)], { stride: [2, 2], padding: [1, 1], dilation: [2, 2] });
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    });

    describe('rejects bad shapes and attrs with PyTorch messages', () => {
      const x = () => on(input([1, 4, 5, 5]));
      it('names a channel mismatch', async () => {
        expect(() => run('conv2d', [x(), on(input([2, 3, 3, 3]))])).toThrow(
          'Given groups=1, weight of size [2, 3, 3, 3], expected input[1, 4, 5, 5] to have 3 channels, but got 4 channels instead',
        );
      });
      it('refuses a kernel larger than the padded input', async () => {
        expect(() => run('conv2d', [on(input([1, 3, 2, 2])), on(input([2, 3, 3, 3]))])).toThrow(
          "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size",
        );
      });
      it('counts dilation in the kernel size', async () => {
        expect(() => run('conv2d', [x(), on(input([2, 4, 3, 3]))], { dilation: 3 })).toThrow(
          'Calculated padded input size per channel: (5 x 5). Kernel size: (7 x 7).',
        );
      });
      it('refuses stride 0, negative padding and groups 0', async () => {
        const w = on(input([2, 4, 3, 3]));
        expect(() => run('conv2d', [x(), w], { stride: [1, 0] })).toThrow(
          'non-positive stride is not supported',
        );
        expect(() => run('conv2d', [x(), w], { padding: -1 })).toThrow('negative padding is not supported');
        expect(() => run('conv2d', [x(), w], { groups: 0 })).toThrow('non-positive groups is not supported');
      });
      it('refuses out channels that groups do not divide', async () => {
        expect(() => run('conv2d', [x(), on(input([3, 2, 3, 3]))], { groups: 2 })).toThrow(
          'Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [[3, 2, 3, 3]] instead',
        );
      });
      it('checks the bias length', async () => {
        expect(() => run('conv2d', [x(), on(input([2, 4, 3, 3])), on(input([3]))])).toThrow(
          'Given weight of size [2, 4, 3, 3], expected bias to be 1-dimensional with 2 elements, but got bias of size [3] instead',
        );
      });
      it('checks the input rank and the stride list length', async () => {
        expect(() => run('conv2d', [on(input([4, 5])), on(input([2, 4, 3, 3]))])).toThrow(
          'Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [4, 5]',
        );
        expect(() => run('conv2d', [x(), on(input([2, 4, 3, 3]))], { stride: [1, 1, 1] })).toThrow(
          'expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=[1, 1, 1]',
        );
      });
    });
  });

  describe('conv_transpose2d', () => {
    it('is the adjoint of conv2d in its input: ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩', async () => {
      const attrs: Conv = { stride: [2, 3], padding: [1, 1], dilation: [2, 1], groups: 2 };
      const [xv, wv] = [input([2, 4, 9, 10]), input([6, 2, 3, 2])];
      const y = run('conv2d', [on(xv), on(wv)], attrs);
      const yv = input([...y.shape]);
      const Ho = (y.shape[2] - 1) * 2 - 2 + 2 * 2 + 1;
      const Wo = (y.shape[3] - 1) * 3 - 2 + 1 + 1;
      const outputPadding = [9 - Ho, 10 - Wo];
      const xt = run('conv_transpose2d', [on(yv), on(wv)], { ...attrs, output_padding: outputPadding });
      expect(xt.shape).toEqual([2, 4, 9, 10]);
      const dot = (a: ArrayLike<number>, b: ArrayLike<number>) =>
        Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
      const lhs = dot(await y.data(), yv.data);
      expect(Math.abs(lhs - dot(xv.data, await xt.data()))).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(lhs)));
    });

    it.each([
      {
        name: 'stride 2, output_padding 1',
        x: [2, 2, 3, 3],
        w: [2, 3, 3, 3],
        attrs: { stride: [2, 2], padding: [1, 1], output_padding: [1, 1], dilation: [1, 1], groups: 1 },
      },
      {
        name: 'groups 2, dilation 2',
        x: [1, 4, 3, 4],
        w: [4, 1, 2, 3],
        attrs: { stride: [1, 2], padding: [0, 1], output_padding: [0, 1], dilation: [2, 2], groups: 2 },
      },
      {
        name: 'output_padding ≥ stride but < dilation',
        x: [1, 2, 3, 3],
        w: [2, 2, 2, 2],
        attrs: { stride: [1, 1], padding: [0, 0], output_padding: [1, 1], dilation: [2, 2], groups: 1 },
      },
    ])('has gradients matching finite differences ($name)', async ({ x, w, attrs }) => {
      const out = w[1] * attrs.groups;
      const conv = (t: Tensor[]) => [run('conv_transpose2d', t, attrs)];
      expect(await gradientMismatches(conv, [input(x), input(w), input([out])], backend)).toEqual([]);
    });

    it('takes unbatched [C, H, W] input', async () => {
      const attrs = { stride: 2, padding: 1, output_padding: 1 };
      const conv = (t: Tensor[]) => [run('conv_transpose2d', t, attrs)];
      expect(run('conv_transpose2d', [on(input([2, 3, 3])), on(input([2, 4, 3, 3]))], attrs).shape).toEqual([
        4, 6, 6,
      ]);
      expect(
        await gradientMismatches(conv, [input([2, 3, 3]), input([2, 4, 3, 3]), input([4])], backend),
      ).toEqual([]);
    });

    it('rejects a channel mismatch and a too-large output_padding with PyTorch messages', async () => {
      expect(() => run('conv_transpose2d', [on(input([1, 3, 4, 4])), on(input([2, 3, 3, 3]))])).toThrow(
        'Given transposed=1, weight of size [2, 3, 3, 3], expected input[1, 3, 4, 4] to have 2 channels, but got 3 channels instead',
      );
      expect(() =>
        run('conv_transpose2d', [on(input([1, 2, 4, 4])), on(input([2, 3, 3, 3]))], { output_padding: 1 }),
      ).toThrow(
        'output padding must be smaller than either stride or dilation, but got output_padding_height: 1 output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1',
      );
      expect(() =>
        run('conv_transpose2d', [on(input([1, 2, 4, 4])), on(input([2, 3, 3, 3]))], { stride: 0 }),
      ).toThrow('non-positive stride is not supported');
    });
  });

  describe('conv2d_backward_weight', () => {
    it('has gradients in x and dY matching finite differences (double backward of conv2d)', async () => {
      const attrs = { kernel_size: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 };
      const fn = (t: Tensor[]) => [run('conv2d_backward_weight', t, attrs)];
      expect(await gradientMismatches(fn, [input([2, 4, 6, 5]), input([2, 4, 3, 3])], backend)).toEqual([]);
    });
  });

  describe('conv1d', () => {
    it('matches conv2d on a height-1 image', async () => {
      const [xv, wv, bv] = [input([2, 4, 9]), input([2, 2, 4]), input([2])];
      const y = run('conv1d', [on(xv), on(wv), on(bv)], {
        stride: [3],
        padding: [2],
        dilation: [1],
        groups: 2,
      });
      const want = directConv2d(xv.data, [2, 4, 1, 9], wv.data, [2, 2, 1, 4], bv.data, {
        stride: [1, 3],
        padding: [0, 2],
        dilation: [1, 1],
        groups: 2,
      });
      expect(y.shape).toEqual([2, 2, 4]);
      expectClose(await y.data(), want.data);
    });

    it('has gradients matching finite differences', async () => {
      const conv = (t: Tensor[]) => [
        run('conv1d', t, { stride: [2], padding: [1], dilation: [2], groups: 1 }),
      ];
      expect(
        await gradientMismatches(conv, [input([2, 3, 10]), input([4, 3, 3]), input([4])], backend),
      ).toEqual([]);
    });

    it('reports shapes in conv1d terms', async () => {
      expect(() => run('conv1d', [on(input([2, 4, 10])), on(input([4, 3, 3]))])).toThrow(
        'Given groups=1, weight of size [4, 3, 3], expected input[2, 4, 10] to have 3 channels, but got 4 channels instead',
      );
      expect(() => run('conv1d', [on(input([2, 3, 2])), on(input([4, 3, 3]))])).toThrow(
        "Calculated padded input size per channel: (2). Kernel size: (3). Kernel size can't be greater than actual input size",
      );
    });
  });
});
