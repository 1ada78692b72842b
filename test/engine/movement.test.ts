import { describe, expect, it } from 'vitest';
import { AttrError, BackwardPass, run, ShapeError, tensor } from '../../src/engine/index.ts';
import { testBackends } from '../backends.ts';
import { checkAdjoint, randomValues, read } from './central_differences.ts';

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Python's x[start:end:step] for step > 0. */
function pythonSlice(xs: number[], start: number | null, end: number | null, step: number): number[] {
  const n = xs.length;
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const out: number[] = [];
  for (let i = clamp(start ?? 0); i < clamp(end ?? n); i += step) out.push(xs[i]);
  return out;
}

describe.each(await testBackends())('movement ops on $name', (backend) => {
  const on = (data: number[], shape: number[]) => tensor(data, shape, 'float32', backend);
  /** 0, 1, 2, … (+ offset) in the given shape */
  const t = (shape: number[], offset = 0) =>
    on(
      iota(size(shape)).map((v) => v + offset),
      shape,
    );

  describe('concat', () => {
    it('joins along a dim, negative dims included', async () => {
      const y = run('concat', [t([2, 2]), t([2, 1], 10)], { dim: -1 });
      expect(y.shape).toEqual([2, 3]);
      expect(await read(y)).toEqual([0, 1, 10, 2, 3, 11]);
      expect(await read(run('concat', [t([1, 2]), t([2, 2], 10)]))).toEqual([0, 1, 10, 11, 12, 13]);
    });

    it('hands each input its own slice of the gradient', async () => {
      const inputs = [randomValues([2, 3, 2], 1), randomValues([2, 1, 2], 2), randomValues([2, 4, 2], 3)];
      await checkAdjoint((xs) => run('concat', xs, { dim: 1 }), inputs, backend);
      const a = t([2]).requireGrad();
      const b = t([3]).requireGrad();
      new BackwardPass(run('concat', [a, b]), on([1, 2, 3, 4, 5], [5])).run();
      expect(await read(a.grad)).toEqual([1, 2]);
      expect(await read(b.grad)).toEqual([3, 4, 5]);
    });

    it('skips 1-D empty tensors as torch.cat does', () => {
      expect(run('concat', [on([], [0]), t([1, 2])], { dim: 1 }).shape).toEqual([1, 2]);
    });
  });

  describe('stack', () => {
    it('adds a new dim at 0, in the middle or at the end', async () => {
      const a = t([2, 2]);
      const b = t([2, 2], 10);
      expect(await read(run('stack', [a, b]))).toEqual([0, 1, 2, 3, 10, 11, 12, 13]);
      const mid = run('stack', [a, b], { dim: 1 });
      expect(mid.shape).toEqual([2, 2, 2]);
      expect(await read(mid)).toEqual([0, 1, 10, 11, 2, 3, 12, 13]);
      const last = run('stack', [a, b], { dim: -1 });
      expect(last.shape).toEqual([2, 2, 2]);
      expect(await read(last)).toEqual([0, 10, 1, 11, 2, 12, 3, 13]);
    });

    it('gives each input its slice of the gradient', async () => {
      await checkAdjoint(
        (xs) => run('stack', xs, { dim: 1 }),
        [randomValues([3, 2], 4), randomValues([3, 2], 5)],
        backend,
      );
    });
  });

  describe('narrow', () => {
    it('takes length elements from start, which may count from the end', async () => {
      expect(await read(run('narrow', [t([5])], { dim: 0, start: 1, length: 3 }))).toEqual([1, 2, 3]);
      expect(await read(run('narrow', [t([2, 4])], { dim: -1, start: -2, length: 2 }))).toEqual([2, 3, 6, 7]);
      expect(run('narrow', [t([3])], { dim: 0, start: 3, length: 0 }).shape).toEqual([0]);
    });

    it('scatters its gradient back into zeros', async () => {
      const x = t([4]).requireGrad();
      new BackwardPass(run('narrow', [x], { dim: 0, start: 1, length: 2 }), on([5, 6], [2])).run();
      expect(await read(x.grad)).toEqual([0, 5, 6, 0]);
      await checkAdjoint(
        ([v]) => run('narrow', [v], { dim: 1, start: 1, length: 2 }),
        [randomValues([2, 4, 3], 6)],
        backend,
      );
    });
  });

  describe('slice', () => {
    it('follows Python slicing for every mix of negative, missing and out-of-range bounds', async () => {
      const x = t([7]);
      for (const start of [null, -12, -7, -3, -1, 0, 2, 6, 11]) {
        for (const end of [null, -12, -4, -1, 0, 3, 7, 11]) {
          for (const step of [1, 2, 3]) {
            const got = await read(run('slice', [x], { dim: 0, start, end, step }));
            expect(got, `[${start}:${end}:${step}]`).toEqual(pythonSlice(iota(7), start, end, step));
          }
        }
      }
    });

    it('slices an inner dim and scatters the gradient back', async () => {
      const y = run('slice', [t([2, 6])], { dim: 1, start: 1, end: null, step: 2 });
      expect(await read(y)).toEqual([1, 3, 5, 7, 9, 11]);
      const sliced = ([v]: (typeof y)[]) => run('slice', [v], { dim: 1, start: -5, end: 5, step: 2 });
      await checkAdjoint(sliced, [randomValues([2, 6, 3], 7)], backend);
    });
  });

  describe('pad', () => {
    const row = () => on([1, 2, 3, 4], [1, 4]);

    it('pads in F.pad order with a constant, last dim first', async () => {
      const y = run('pad', [t([2, 2], 1)], { pad: [1, 0, 0, 1], value: -1 });
      expect(y.shape).toEqual([3, 3]);
      expect(await read(y)).toEqual([-1, 1, 2, -1, 3, 4, -1, -1, -1]);
    });

    it('crops with negative constant padding', async () => {
      expect(await read(run('pad', [row()], { pad: [-1, -2] }))).toEqual([2]);
    });

    it('reflects without repeating the edge, replicates the edge, wraps circularly', async () => {
      expect(await read(run('pad', [row()], { pad: [2, 1], mode: 'reflect' }))).toEqual([
        3, 2, 1, 2, 3, 4, 3,
      ]);
      expect(await read(run('pad', [row()], { pad: [2, 1], mode: 'replicate' }))).toEqual([
        1, 1, 1, 2, 3, 4, 4,
      ]);
      expect(await read(run('pad', [row()], { pad: [2, 1], mode: 'circular' }))).toEqual([
        3, 4, 1, 2, 3, 4, 1,
      ]);
    });

    it('adds the gradient of every copy into its source', async () => {
      const x = row().requireGrad();
      new BackwardPass(
        run('pad', [x], { pad: [2, 1], mode: 'reflect' }),
        on(new Array(7).fill(1), [1, 7]),
      ).run();
      // [3, 2, 1, 2, 3, 4, 3]: 1 once, 2 twice, 3 three times, 4 once
      expect(await read(x.grad)).toEqual([1, 2, 3, 1]);
    });

    it.each(['constant', 'reflect', 'replicate', 'circular'] as const)(
      'has the adjoint gradient in %s mode',
      async (mode) => {
        await checkAdjoint(
          ([v]) => run('pad', [v], { pad: [1, 2, 2, 1], mode }),
          [randomValues([2, 3, 4], 8)],
          backend,
        );
        await checkAdjoint(
          ([v]) => run('pad', [v], { pad: [0, 1, 2, 1, 1, 0], mode }),
          [randomValues([1, 2, 3, 4], 9)],
          backend,
        );
      },
    );
  });
});

describe('movement shape rules', () => {
  const t = (shape: number[]) => tensor(iota(size(shape)), shape);

  it('concat keeps int32 data', () => {
    const y = run('concat', [tensor([1, 2], [2], 'int32'), tensor([3], [1], 'int32')]);
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([1, 2, 3]);
  });

  it('concat reports mismatched inputs with PyTorch messages', () => {
    expect(() => run('concat', [t([2, 3]), t([2, 4])], { dim: 0 })).toThrow(ShapeError);
    expect(() => run('concat', [t([2, 3]), t([2, 4])], { dim: 0 })).toThrow(
      'Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the list.',
    );
    expect(() => run('concat', [t([2, 3]), t([2, 3, 1])])).toThrow(
      'Tensors must have same number of dimensions: got 2 and 3',
    );
    expect(() => run('concat', [t([2]), tensor([1], [])])).toThrow(
      'zero-dimensional tensor (at position 1) cannot be concatenated',
    );
    expect(() => run('concat', [t([2, 3])], { dim: 2 })).toThrow(
      'Dimension out of range (expected to be in range of [-2, 1], but got 2)',
    );
  });

  it('stack reports unequal sizes and bad dims with PyTorch messages', () => {
    expect(() => run('stack', [t([2, 3]), t([2, 4])])).toThrow(
      'stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] at entry 1',
    );
    expect(() => run('stack', [t([2]), t([2])], { dim: 2 })).toThrow(
      'Dimension out of range (expected to be in range of [-2, 1], but got 2)',
    );
  });

  it('narrow reports windows that do not fit with PyTorch messages', () => {
    expect(() => run('narrow', [t([5])], { dim: 0, start: 3, length: 3 })).toThrow(
      'start (3) + length (3) exceeds dimension size (5).',
    );
    expect(() => run('narrow', [t([5])], { dim: 0, start: 6, length: 0 })).toThrow(
      'Dimension out of range (expected to be in range of [-5, 4], but got 6)',
    );
    expect(() => run('narrow', [tensor([1], [])], { dim: 0, start: 0, length: 1 })).toThrow(
      'narrow() cannot be applied to a 0-dim tensor.',
    );
  });

  it('slice rejects a non-positive step and a bad dim', () => {
    expect(() => run('slice', [t([4])], { dim: 0, step: 0 })).toThrow(
      'slice: step slice step must be positive',
    );
    expect(() => run('slice', [t([4])], { dim: 0, step: -1 })).toThrow(AttrError);
    expect(() => run('slice', [t([4])], { dim: 1 })).toThrow('Dimension out of range');
  });

  it('pad reports bad padding with PyTorch messages', () => {
    const row = t([1, 4]);
    expect(() => run('pad', [row], { pad: [1, 1, 1] })).toThrow('Padding length must be divisible by 2');
    expect(() => run('pad', [row], { pad: [1, 1, 1, 1, 1, 1] })).toThrow('Padding length too large');
    expect(() => run('pad', [row], { pad: [4, 0], mode: 'reflect' })).toThrow(
      'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (4, 0) at dimension 1 of input [1, 4]',
    );
    expect(() => run('pad', [row], { pad: [-3, -2] })).toThrow(
      'The input size 4, plus negative padding -3 and -2 resulted in a negative output size, which is invalid. Check dimension 1 of your input.',
    );
    expect(() => run('pad', [t([2])], { pad: [1, 1], mode: 'replicate' })).toThrow(
      'Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now',
    );
    expect(() => run('pad', [row], { pad: [1, 1], mode: 'mirror' as never })).toThrow(AttrError);
  });
});
