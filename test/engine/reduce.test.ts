import { describe, expect, it } from 'vitest';
import { AttrError, BackwardPass, DTypeError, run, ShapeError, tensor } from '../../src/engine/index.ts';
import { testBackends } from '../backends.ts';
import { checkGradient, expectClose, randomValues, read } from './central_differences.ts';

/** Float64 reduction over `dims` of a row-major array, written plainly with multi-indices. */
function reduceReference(
  shape: number[],
  data: ArrayLike<number>,
  dims: number[],
  kind: 'sum' | 'mean' | 'max',
): number[] {
  const kept = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const size = kept.reduce((a, b) => a * b, 1);
  const acc = new Array<number>(size).fill(kind === 'max' ? Number.NEGATIVE_INFINITY : 0);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < data.length; i++) {
    let at = 0;
    for (let d = 0; d < shape.length; d++) at = at * kept[d] + (dims.includes(d) ? 0 : index[d]);
    acc[at] = kind === 'max' ? Math.max(acc[at], data[i]) : acc[at] + data[i];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  const n = dims.reduce((a, d) => a * shape[d], 1);
  return kind === 'mean' ? acc.map((v) => v / n) : acc;
}

/** Float64 (log-)softmax along the last dim. */
function softmaxReference(data: ArrayLike<number>, row: number, log: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length; r += row) {
    const xs = Array.from({ length: row }, (_, i) => data[r + i]);
    const m = Math.max(...xs);
    const logTotal = Math.log(xs.reduce((t, x) => t + Math.exp(x - m), 0));
    for (const x of xs) out.push(log ? x - m - logTotal : Math.exp(x - m - logTotal));
  }
  return out;
}

const shape = [2, 3, 4];
const dimCases: { dim: number | number[] | null; keepdim?: boolean; dims: number[]; out: number[] }[] = [
  { dim: null, dims: [0, 1, 2], out: [] },
  { dim: null, keepdim: true, dims: [0, 1, 2], out: [1, 1, 1] },
  { dim: 1, dims: [1], out: [2, 4] },
  { dim: -1, dims: [2], out: [2, 3] },
  { dim: -3, keepdim: true, dims: [0], out: [1, 3, 4] },
  { dim: [0, 2], dims: [0, 2], out: [3] },
  { dim: [-1, 0], keepdim: true, dims: [0, 2], out: [1, 3, 1] },
  { dim: [], dims: [0, 1, 2], out: [] },
];

describe.each(await testBackends())('reductions on $name', (backend) => {
  const on = (data: number[], shape: number[]) => tensor(data, shape, 'float32', backend);

  describe.each(['sum', 'mean', 'max'] as const)('%s', (kind) => {
    it.each(dimCases)(
      'reduces dim $dim (keepdim $keepdim) with values and gradients right',
      async ({ dim, keepdim, dims, out }) => {
        const x = randomValues(shape, 17);
        expect(run(kind, [on(x.data, shape)], { dim, keepdim }).shape).toEqual(out);
        await checkGradient({
          run: ([t]) => run(kind, [t], { dim, keepdim }),
          reference: ([t]) => reduceReference(shape, t, dims, kind),
          inputs: [x],
          backend,
        });
      },
    );

    it('reduces a 0-d tensor over dim 0 or −1 to itself', async () => {
      expect(await read(run(kind, [on([2.5], [])], { dim: -1 }))).toEqual([2.5]);
      expect(run(kind, [on([2.5], [])], { dim: 0, keepdim: true }).shape).toEqual([]);
    });

    it('propagates NaN', async () => {
      const y = await read(run(kind, [on([1, Number.NaN, 3, 4], [2, 2])], { dim: 1 }));
      expect(y[0]).toBeNaN();
      expect(y[1]).not.toBeNaN();
    });
  });

  it('sums long rows without drifting', async () => {
    const n = 1_000_001;
    const y = run('sum', [on(new Array(n).fill(0.1), [n])]);
    expectClose(await read(y), [n * Math.fround(0.1)], 1e-6, 0);
  });

  it('shares the gradient of max evenly among ties, as torch.amax does', async () => {
    const x = on([3, 1, 3, 2, 5, 5], [2, 3]).requireGrad();
    new BackwardPass(run('max', [x], { dim: 1 }), on([1, 4], [2])).run();
    expect(await read(x.grad)).toEqual([0.5, 0, 0.5, 0, 2, 2]);
  });

  describe.each([
    ['softmax', false],
    ['log_softmax', true],
  ] as const)('%s', (op, log) => {
    it('matches float64 values and central differences along the last dim', async () => {
      await checkGradient({
        run: ([t]) => run(op, [t], { dim: -1 }),
        reference: ([t]) => softmaxReference(t, 4, log),
        inputs: [randomValues([3, 4], 23, -3, 3)],
        backend,
      });
    });

    it('treats any dim like the last one after moving it there', async () => {
      const x = randomValues([2, 3, 4], 29);
      const t = on(x.data, x.shape);
      const along1 = run(op, [t], { dim: 1 });
      const swap = { dim0: 1, dim1: 2 };
      const moved = run('transpose', [run(op, [run('transpose', [t], swap)], { dim: -1 })], swap);
      expectClose(await read(along1), await read(moved), 1e-6, 1e-7);
    });

    it('stays finite and exact for logits near ±1000', async () => {
      const logits = [1000, 0, -1000, 999, 1000, 1000];
      const x = on(logits, [2, 3]).requireGrad();
      const y = run(op, [x], { dim: 1 });
      expectClose(await read(y), softmaxReference(logits, 3, log), 1e-6, 1e-12);
      new BackwardPass(y, on([1, -1, 0.5, 0.25, 1, -2], [2, 3])).run();
      expect((await read(x.grad)).every(Number.isFinite)).toBe(true);
    });

    it('turns only the row holding a NaN into NaN', async () => {
      const y = await read(run(op, [on([1, Number.NaN, 0, 1], [2, 2])], { dim: 1 }));
      expect(y.slice(0, 2).every(Number.isNaN)).toBe(true);
      expect(y.slice(2).some(Number.isNaN)).toBe(false);
    });
  });

  it('softmax rows sum to 1 and log_softmax is its log', async () => {
    const x = randomValues([5, 7], 31, -10, 10);
    const t = on(x.data, x.shape);
    const p = run('softmax', [t], { dim: 1 });
    expectClose(await read(run('sum', [p], { dim: 1 })), new Array(5).fill(1), 1e-6, 0);
    expectClose(await read(run('log', [p])), await read(run('log_softmax', [t], { dim: 1 })), 1e-5, 1e-6);
  });
});

describe('reduction shape rules', () => {
  const x = tensor(new Array(24).fill(0), shape);

  it.each(['sum', 'mean', 'max'] as const)('%s rejects bad dims with PyTorch messages', (kind) => {
    expect(() => run(kind, [x], { dim: 3 })).toThrow(AttrError);
    expect(() => run(kind, [x], { dim: 3 })).toThrow(
      'Dimension out of range (expected to be in range of [-3, 2], but got 3)',
    );
    expect(() => run(kind, [x], { dim: [0, -3] })).toThrow(
      'dim 0 appears multiple times in the list of dims',
    );
    expect(() => run(kind, [x], { dim: 'rows' as never })).toThrow(
      `${kind}: dim must be null, an int or a list of ints`,
    );
    expect(() => run(kind, [x], { keepdim: 1 as never })).toThrow(`${kind}: keepdim must be a boolean`);
  });

  it('sums int32 tensors to int32 but refuses the mean of one', () => {
    const ints = tensor([1, 2, 3, 4], [2, 2], 'int32');
    const s = run('sum', [ints], { dim: 0 });
    expect(s.dtype).toBe('int32');
    expect(s.toArray()).toEqual([4, 6]);
    expect(() => run('mean', [ints])).toThrow(DTypeError);
    expect(() => run('mean', [ints])).toThrow(
      'Input dtype must be either a floating point or complex dtype. Got: Int',
    );
  });

  it('gives the mean over no elements as NaN, like PyTorch', () => {
    expect(run('mean', [tensor([], [0, 3])], { dim: 0 }).toArray()).toEqual([
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
  });

  it('refuses max over an empty dim with PyTorch message', () => {
    expect(() => run('max', [tensor([], [0, 3])], { dim: 0 })).toThrow(ShapeError);
    expect(() => run('max', [tensor([], [0, 3])], { dim: 0 })).toThrow(
      'amax(): Expected reduction dim 0 to have non-zero size.',
    );
    expect(() => run('max', [tensor([], [0, 3])])).toThrow(
      'amax(): Expected reduction dim to be specified for input.numel() == 0.',
    );
  });

  it.each(['softmax', 'log_softmax'] as const)('%s rejects a dim out of range', (op) => {
    expect(() => run(op, [tensor([1, 2], [2])], { dim: 1 })).toThrow(
      `${op}: dim Dimension out of range (expected to be in range of [-1, 0], but got 1)`,
    );
  });
});
