import { describe, expect, it } from 'vitest';
import { gemm, gemmTransA, gemmTransB } from '../../src/engine/backends/cpu/matmul.ts';
import { Rng, run, type Tensor, tensor } from '../../src/engine/index.ts';
import { testBackends } from '../backends.ts';
import { gradientMismatches, randomData } from './finite_difference.ts';

const rng = new Rng(8);
const values = async (t: Tensor) => Array.from(await t.data());
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const input = (shape: number[]) => ({ shape, data: randomData(rng, size(shape)) });

/** y = x·Wᵀ + b in float64, straight from the definition. */
function directLinear(x: number[], rows: number, w: number[], outF: number, inF: number, b: number[] | null) {
  const y: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y.push(s);
    }
  return y;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-4) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i] - want[i]), `[${i}] got ${got[i]}, want ${want[i]}`).toBeLessThanOrEqual(
      tol * (1 + Math.abs(want[i])),
    );
  }
}

describe('gemm (CPU)', () => {
  const transpose = (m: Float32Array, rows: number, cols: number) => {
    const t = new Float32Array(m.length);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
    return t;
  };

  // sizes around the 4×4 tile, the 64-row block and the 256-deep K block, plus tiny ones
  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [4, 4, 4],
    [17, 33, 9],
    [65, 300, 130],
    [128, 257, 5],
    [5, 600, 70],
  ])('adds A·B, Aᵀ·B and A·Bᵀ into C for M=%i K=%i N=%i', async (M, K, N) => {
    const a = Float32Array.from(randomData(rng, M * K));
    const b = Float32Array.from(randomData(rng, K * N));
    const c0 = Float32Array.from(randomData(rng, M * N));
    const want = Array.from(c0);
    for (let i = 0; i < M; i++)
      for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) want[i * N + j] += a[i * K + k] * b[k * N + j];
    // operands at an offset inside larger buffers, as batched matmul and conv pass them
    const pad = (m: Float32Array) => Float32Array.from([9, 9, 9, ...m]);
    const results = [
      (c: Float32Array) => gemm(pad(a), 3, pad(b), 3, c, 2, M, K, N),
      (c: Float32Array) => gemmTransA(pad(transpose(a, M, K)), 3, pad(b), 3, c, 2, M, K, N),
      (c: Float32Array) => gemmTransB(pad(a), 3, pad(transpose(b, K, N)), 3, c, 2, M, K, N),
    ].map((f) => {
      const c = Float32Array.from([7, 7, ...c0]);
      f(c);
      expect([c[0], c[1]]).toEqual([7, 7]);
      return c.subarray(2);
    });
    for (const c of results) expectClose(c, want);
  });
});

describe.each(await testBackends())('linear on $name', (backend) => {
  const on = (v: { data: number[]; shape: number[] }) => tensor(v.data, v.shape, 'float32', backend);

  it.each([
    { x: [4, 3], bias: true },
    { x: [2, 3, 6], bias: true },
    { x: [5], bias: false },
    { x: [70, 40], bias: true },
  ])('computes x·Wᵀ + b for x $x (bias: $bias)', async ({ x, bias }) => {
    const inF = x[x.length - 1];
    const outF = 9;
    const [xv, wv, bv] = [input(x), input([outF, inF]), input([outF])];
    const y = run('linear', [on(xv), on(wv), bias ? on(bv) : null]);
    expect(y.shape).toEqual([...x.slice(0, -1), outF]);
    expectClose(
      await y.data(),
      directLinear(xv.data, size(x) / inF, wv.data, outF, inF, bias ? bv.data : null),
    );
  });

  it.each([[[4, 3]], [[2, 3, 3]], [[3]]])('has gradients matching finite differences for x %j', async (x) => {
    const fc = (t: Tensor[]) => [run('linear', t)];
    expect(await gradientMismatches(fc, [input(x), input([5, 3]), input([5])], backend)).toEqual([]);
  });

  it('has gradients without a bias, and through its weight-gradient op (double backward)', async () => {
    expect(
      await gradientMismatches((t) => [run('linear', t)], [input([6, 4]), input([2, 4])], backend),
    ).toEqual([]);
    const dW = (t: Tensor[]) => [run('linear_backward_weight', t)];
    expect(await gradientMismatches(dW, [input([6, 3]), input([6, 4])], backend)).toEqual([]);
  });

  // the WebGPU kernels cannot dispatch zero workgroups yet (reported to their owner)
  it.skipIf(backend.name === 'webgpu')(
    'gives the bias for zero input features and nothing for an empty batch',
    async () => {
      const b = input([3]);
      const y = run('linear', [on({ shape: [2, 0], data: [] }), on({ shape: [3, 0], data: [] }), on(b)]);
      expect(await values(y)).toEqual([...b.data, ...b.data]);
      expect(run('linear', [on({ shape: [0, 4], data: [] }), on(input([3, 4]))]).shape).toEqual([0, 3]);
    },
  );

  it('rejects mismatched shapes with the messages PyTorch gives', async () => {
    expect(() => run('linear', [on(input([4, 3])), on(input([5, 4]))])).toThrow(
      'mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)',
    );
    expect(() => run('linear', [on(input([2, 4, 3])), on(input([5, 4]))])).toThrow(
      'mat1 and mat2 shapes cannot be multiplied (8x3 and 4x5)',
    );
    expect(() => run('linear', [on(input([4, 3])), on(input([5, 3])), on(input([4]))])).toThrow(
      'The expanded size of the tensor (5) must match the existing size (4) at non-singleton dimension 1.  Target sizes: [4, 5].  Tensor sizes: [4]',
    );
    expect(() => run('linear', [on(input([2, 4, 3])), on(input([5, 3])), on(input([4]))])).toThrow(
      'The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 2',
    );
    expect(() => run('linear', [on(input([4, 3])), on(input([5, 3, 1]))])).toThrow(
      't() expects a tensor with <= 2 dimensions, but self is 3D',
    );
  });
});
