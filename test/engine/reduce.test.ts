import { describe, expect, it } from 'vitest';
import {
  AttrError,
  BackwardPass,
  DTypeError,
  run,
  ShapeError,
  type Tensor,
  tensor,
} from '../../src/engine/index.ts';
import { checkGradient, expectClose, randomValues } from './central_differences.ts';

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

describe.each(['sum', 'mean', 'max'] as const)('%s', (kind) => {
  it.each(dimCases)(
    'reduces dim $dim (keepdim $keepdim) with values and gradients right',
    ({ dim, keepdim, dims, out }) => {
      const x = randomValues(shape, 17);
      const y = run(kind, [tensor(x.data, shape)], { dim, keepdim });
      expect(y.shape).toEqual(out);
      checkGradient({
        run: ([t]) => run(kind, [t], { dim, keepdim }),
        reference: ([t]) => reduceReference(shape, t, dims, kind),
        inputs: [x],
      });
    },
  );

  it('reduces a 0-d tensor over dim 0 or −1 to itself', () => {
    expect(run(kind, [tensor([2.5], [])], { dim: -1 }).toArray()).toEqual([2.5]);
    expect(run(kind, [tensor([2.5], [])], { dim: 0, keepdim: true }).shape).toEqual([]);
  });

  it('propagates NaN', () => {
    const y = run(kind, [tensor([1, Number.NaN, 3, 4], [2, 2])], { dim: 1 });
    expect(y.toArray()[0]).toBeNaN();
    expect(y.toArray()[1]).not.toBeNaN();
  });

  it('rejects bad dims with PyTorch messages', () => {
    const x = tensor(new Array(24).fill(0), shape);
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
});

describe('reductions, special cases', () => {
  it('sums long rows in float64 before rounding', () => {
    const n = 1_000_001;
    const y = run('sum', [tensor(new Float32Array(n).fill(0.1), [n])]);
    expectClose(y.toArray(), [n * Math.fround(0.1)], 1e-7, 0);
  });

  it('sums int32 tensors to int32 but refuses the mean of one', () => {
    const x = tensor([1, 2, 3, 4], [2, 2], 'int32');
    const s = run('sum', [x], { dim: 0 });
    expect(s.dtype).toBe('int32');
    expect(s.toArray()).toEqual([4, 6]);
    expect(() => run('mean', [x])).toThrow(DTypeError);
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
  });

  it('shares the gradient of max evenly among ties, as torch.amax does', () => {
    const x = tensor([3, 1, 3, 2, 5, 5], [2, 3]).requireGrad();
    new BackwardPass(run('max', [x], { dim: 1 }), tensor([1, 4], [2])).run();
    expect(x.grad!.toArray()).toEqual([0.5, 0, 0.5, 0, 2, 2]);
  });
});

describe.each([
  ['softmax', false],
  ['log_softmax', true],
] as const)('%s', (op, log) => {
  it('matches float64 values and central differences along the last dim', () => {
    checkGradient({
      run: ([t]) => run(op, [t], { dim: -1 }),
      reference: ([t]) => softmaxReference(t, 4, log),
      inputs: [randomValues([3, 4], 23, -3, 3)],
    });
  });

  it('treats any dim like the last one after moving it there', () => {
    const x = randomValues([2, 3, 4], 29);
    const t = tensor(x.data, x.shape);
    const along1 = run(op, [t], { dim: 1 });
    const moved = run('transpose', [run(op, [run('transpose', [t], { dim0: 1, dim1: 2 })], { dim: -1 })], {
      dim0: 1,
      dim1: 2,
    });
    expectClose(along1.toArray(), moved.toArray(), 1e-6, 1e-7);
  });

  it('stays finite and exact for logits near ±1000', () => {
    const x = tensor([1000, 0, -1000, 999, 1000, 1000], [2, 3]).requireGrad();
    const y = run(op, [x], { dim: 1 });
    const want = softmaxReference([1000, 0, -1000, 999, 1000, 1000], 3, log);
    expectClose(y.toArray(), want, 1e-6, 1e-12);
    new BackwardPass(y, tensor([1, -1, 0.5, 0.25, 1, -2], [2, 3])).run();
    expect(x.grad!.toArray().every(Number.isFinite)).toBe(true);
  });

  it('turns only the row holding a NaN into NaN', () => {
    const y = run(op, [tensor([1, Number.NaN, 0, 1], [2, 2])], { dim: 1 }).toArray();
    expect(y.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(y.slice(2).some(Number.isNaN)).toBe(false);
  });

  it('rejects a dim out of range', () => {
    expect(() => run(op, [tensor([1, 2], [2])], { dim: 1 })).toThrow(
      `${op}: dim Dimension out of range (expected to be in range of [-1, 0], but got 1)`,
    );
  });
});

it('softmax rows sum to 1 and log_softmax is its log', () => {
  const x = randomValues([5, 7], 31, -10, 10);
  const t: Tensor = tensor(x.data, x.shape);
  const p = run('softmax', [t], { dim: 1 });
  expectClose(run('sum', [p], { dim: 1 }).toArray(), new Array(5).fill(1), 1e-6, 0);
  expectClose(run('log', [p]).toArray(), run('log_softmax', [t], { dim: 1 }).toArray(), 1e-5, 1e-6);
});
