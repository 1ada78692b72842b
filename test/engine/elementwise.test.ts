import { describe, expect, it } from 'vitest';
import {
  AttrError,
  BackwardPass,
  DTypeError,
  getOp,
  type OpName,
  run,
  type Tensor,
  tensor,
} from '../../src/engine/index.ts';
import { dropoutMask } from '../../src/engine/ops/dropout.ts';
import { erf, erfc } from '../../src/engine/ops/gelu.ts';
import { testBackends } from '../backends.ts';
import { checkGradient, expectClose, randomValues, read } from './central_differences.ts';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const sigmoid64 = (x: number) => 1 / (1 + Math.exp(-x));
const phi64 = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

/** Each op with its attrs, a float64 formula written out again here, and where to sample x. */
const formulas: { op: OpName; attrs?: object; f: (x: number) => number; lo?: number; hi?: number }[] = [
  { op: 'exp', f: Math.exp },
  { op: 'log', f: Math.log, lo: 0.1, hi: 3 },
  { op: 'sqrt', f: Math.sqrt, lo: 0.1, hi: 3 },
  { op: 'abs', f: Math.abs },
  { op: 'pow', attrs: { exponent: 3 }, f: (x) => x ** 3 },
  { op: 'pow', attrs: { exponent: -2 }, f: (x) => x ** -2, lo: 0.5, hi: 2 },
  { op: 'pow', attrs: { exponent: 1.7 }, f: (x) => x ** 1.7, lo: 0.1, hi: 2 },
  { op: 'relu', f: (x) => Math.max(x, 0) },
  { op: 'leaky_relu', f: (x) => (x > 0 ? x : 0.01 * x) },
  { op: 'leaky_relu', attrs: { negative_slope: 0.2 }, f: (x) => (x > 0 ? x : 0.2 * x) },
  { op: 'sigmoid', f: sigmoid64 },
  { op: 'tanh', f: Math.tanh },
  { op: 'silu', f: (x) => x * sigmoid64(x) },
  { op: 'elu', f: (x) => (x > 0 ? x : Math.exp(x) - 1) },
  { op: 'elu', attrs: { alpha: 0.5 }, f: (x) => (x > 0 ? x : 0.5 * (Math.exp(x) - 1)) },
  { op: 'gelu', f: (x) => x * phi64(x), lo: -5, hi: 5 },
  {
    op: 'gelu',
    attrs: { approximate: 'tanh' },
    f: (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x ** 3))),
    lo: -5,
    hi: 5,
  },
];

const cases = formulas.map((c) => ({ ...c, label: c.attrs ? `${c.op} ${JSON.stringify(c.attrs)}` : c.op }));

const apply = (op: OpName, x: Tensor, attrs?: object): Tensor => run(op, [x], attrs as never);
const inf = Number.POSITIVE_INFINITY;

describe.each(await testBackends())('elementwise ops on $name', (backend) => {
  const on = (data: number[], shape: number[]) => tensor(data, shape, 'float32', backend);
  const ones = (n: number) => on(new Array(n).fill(1), [n]);

  describe.each(cases)('$label', ({ op, attrs, f, lo = -2, hi = 2 }) => {
    it('matches the float64 formula and its vjp matches central differences', async () => {
      await checkGradient({
        run: ([x]) => apply(op, x, attrs),
        reference: ([x]) => x.map(f),
        inputs: [randomValues([3, 5], op.length, lo, hi)],
        backend,
      });
    });

    it('keeps the shape of a 0-d and of an empty tensor', () => {
      expect(apply(op, on([0.5], []), attrs).shape).toEqual([]);
      expect(apply(op, on([], [0, 3]), attrs).shape).toEqual([0, 3]);
    });

    it('propagates NaN', async () => {
      expect((await read(apply(op, on([Number.NaN], [1]), attrs)))[0]).toBeNaN();
    });
  });

  it('follows PyTorch at infinities and outside the domain', async () => {
    expect(await read(apply('exp', on([inf, -inf], [2])))).toEqual([inf, 0]);
    expect(await read(apply('log', on([0, -1], [2])))).toEqual([-inf, Number.NaN]);
    expect(await read(apply('sqrt', on([-1], [1])))).toEqual([Number.NaN]);
    expect(await read(apply('pow', on([-8], [1]), { exponent: 1 / 3 }))).toEqual([Number.NaN]);
    expect(await read(apply('tanh', on([inf, -inf], [2])))).toEqual([1, -1]);
    expect(await read(apply('elu', on([-inf], [1])))).toEqual([-1]);
  });

  it('computes sigmoid stably: no overflow or NaN at ±1000, and a finite gradient', async () => {
    const x = on([-1000, -88, 0, 88, 1000], [5]).requireGrad();
    const y = apply('sigmoid', x);
    expectClose(await read(y), [0, sigmoid64(-88), 0.5, 1, 1], 1e-5, 1e-30);
    new BackwardPass(run('sum', [y])).run();
    expect((await read(x.grad)).every(Number.isFinite)).toBe(true);
  });

  it('gives relu a zero gradient at and below 0, and passes it at a NaN as threshold_backward does', async () => {
    const x = on([-1, 0, 2, Number.NaN], [4]).requireGrad();
    new BackwardPass(apply('relu', x), ones(4)).run();
    expect(await read(x.grad)).toEqual([0, 0, 1, 1]);
  });

  it('stops an infinite or NaN gradient at relu’s closed gate (0, not 0·∞ = NaN), as PyTorch does', async () => {
    // torch: x = [-1, 0, 2]; relu(x).backward([inf, nan, -inf]) → x.grad = [0, 0, -inf]
    const x = on([-1, 0, 2], [3]).requireGrad();
    new BackwardPass(apply('relu', x), on([inf, Number.NaN, -inf], [3])).run();
    expect(await read(x.grad)).toEqual([0, 0, -inf]);
  });

  it('gives abs a zero gradient at 0 (sign(0) = 0)', async () => {
    const x = on([-2, 0, 3], [3]).requireGrad();
    new BackwardPass(apply('abs', x), ones(3)).run();
    expect(await read(x.grad)).toEqual([-1, 0, 1]);
  });

  it('gives pow with exponent 0 a zero gradient even at x = 0', async () => {
    const x = on([0, -1.5, 2], [3]).requireGrad();
    const y = apply('pow', x, { exponent: 0 });
    expect(await read(y)).toEqual([1, 1, 1]);
    new BackwardPass(y, ones(3)).run();
    expect(await read(x.grad)).toEqual([0, 0, 0]);
  });

  describe('dropout', () => {
    it('zeroes about a fraction p and scales the rest by 1/(1−p)', async () => {
      const n = 100_000;
      for (const p of [0.1, 0.5, 0.8]) {
        const y = await read(run('dropout', [ones(n)], { p, training: true, seed: 3 }));
        const zeroed = y.filter((v) => v === 0).length / n;
        // the binomial standard error is √(p(1−p)/n) ≤ 0.0016; allow 4 of them
        expect(Math.abs(zeroed - p)).toBeLessThan(0.0064);
        const kept = new Set(y.filter((v) => v !== 0));
        expect([...kept]).toEqual([Math.fround(1 / (1 - p))]);
      }
    });

    it('is the identity in eval mode and for p = 0', async () => {
      const x = on([1, -2, 3], [3]);
      expect(run('dropout', [x], { p: 0.5, training: false, seed: 1 })).toBe(x);
      expect(await read(run('dropout', [x], { p: 0, training: true, seed: 1 }))).toEqual([1, -2, 3]);
    });

    it('zeroes everything for p = 1 (not NaN)', async () => {
      expect(await read(run('dropout', [ones(4)], { p: 1, training: true, seed: 1 }))).toEqual([0, 0, 0, 0]);
    });

    it('draws the same mask from the same seed and another from another seed', async () => {
      const a = await read(run('dropout', [ones(64)], { p: 0.5, seed: 11 }));
      const b = await read(run('dropout', [ones(64)], { p: 0.5, seed: 11 }));
      const c = await read(run('dropout', [ones(64)], { p: 0.5, seed: 12 }));
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
    });

    it('sends the gradient through the forward mask', async () => {
      const x = on(randomValues([200], 4).data, [200]).requireGrad();
      const y = run('dropout', [x], { p: 0.3, seed: 21 });
      const g = randomValues([200], 8);
      new BackwardPass(y, on(g.data, [200])).run();
      const mask = dropoutMask([200], 0.3, 21);
      const xs = await read(x);
      expectClose(
        await read(x.grad),
        g.data.map((v, i) => v * mask[i]),
        1e-6,
        0,
      );
      expectClose(
        await read(y),
        xs.map((v, i) => v * mask[i]),
        1e-6,
        0,
      );
    });
  });
});

describe('elementwise op declarations', () => {
  it.each(cases)('$label names its gradient rule for the backward stepper', ({ op }) => {
    expect(getOp(op).formula).toMatch(/^dX = /);
  });

  it('has an erf accurate to float64 precision', () => {
    // values from mpmath at 30 digits
    expectClose(
      [erf(0.5), erf(1), erf(2), erf(-3)],
      [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, -0.9999779095030014],
      1e-15,
      0,
    );
    expectClose(
      [erfc(3), erfc(5), erfc(10)],
      [2.209049699858544e-5, 1.537459794428035e-12, 2.088487583762545e-45],
      1e-13,
      0,
    );
  });

  it('rejects bad attrs and int tensors with typed errors naming the op', () => {
    const x = tensor([1, 2], [2]);
    expect(() => apply('gelu', x, { approximate: 'fast' })).toThrow(AttrError);
    expect(() => apply('gelu', x, { approximate: 'fast' })).toThrow(
      'gelu: approximate argument must be either none or tanh',
    );
    expect(() => apply('pow', x, {})).toThrow('pow: exponent must be a number, got undefined');
    expect(() => apply('leaky_relu', x, { negative_slope: 'steep' })).toThrow(AttrError);
    expect(() => apply('exp', tensor([1, 2], [2], 'int32'))).toThrow(DTypeError);
    expect(() => apply('exp', tensor([1, 2], [2], 'int32'))).toThrow(
      'exp: expected a float32 or float64 tensor, got int32',
    );
  });

  it('rejects a dropout p outside [0, 1] with PyTorch message', () => {
    expect(() => run('dropout', [tensor([1, 1], [2])], { p: 1.5 })).toThrow(
      'dropout probability has to be between 0 and 1, but got 1.5',
    );
  });
});
