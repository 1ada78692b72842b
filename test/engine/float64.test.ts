import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/engine/backend.ts';
import { createNodeWebGPUBackend } from '../../src/engine/backends/webgpu/node.ts';
import {
  applyOp,
  astype,
  BackwardPass,
  cpuBackend,
  DTypeError,
  floatTypeOf,
  ones,
  opRegistry,
  Rng,
  type Root,
  run,
  scalar,
  scalarLike,
  Tensor,
  tensor,
  toBackend,
  zeros,
} from '../../src/engine/index.ts';
import { type InitSpec, normal, onesInit, sample } from '../../src/engine/init.ts';
import { defineOp, type NoAttrs, out } from '../../src/engine/op.ts';

const rng = new Rng(64);
const values = (n: number, lo = -1, hi = 1) => Array.from({ length: n }, () => rng.uniform(lo, hi));
const leaf = (shape: number[], dtype: 'float32' | 'float64' = 'float64') =>
  tensor(values(shape.reduce((a, b) => a * b, 1)), shape, dtype).requireGrad();

/** Every tensor a backward pass touched: the tape's outputs, the upstream gradients and what they produced. */
function passTensors(pass: BackwardPass): Tensor[] {
  return pass.steps.flatMap((s) => [
    ...s.upstream,
    ...s.produced.map((p) => p.grad).filter((g): g is Tensor => g !== null),
  ]);
}

/** max |a − b| / max(|b|, 1e-300) over the elements. */
function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-300));
  return worst;
}

describe('float64 tensors on the CPU backend', () => {
  it('store Float64Array values and keep every digit', () => {
    const t = tensor([1 / 3, Math.PI], [2], 'float64');
    expect(t.dtype).toBe('float64');
    expect(t.dataSync()).toBeInstanceOf(Float64Array);
    expect(t.toArray()).toEqual([1 / 3, Math.PI]);
    expect(tensor([1 / 3], [1]).toArray()[0]).toBe(Math.fround(1 / 3));
  });

  it('are made by zeros, ones, scalar, scalarLike and astype in the dtype asked for', () => {
    expect(zeros([2], cpuBackend, 'float64').dataSync()).toBeInstanceOf(Float64Array);
    expect(ones([2], cpuBackend, 'float64').toArray()).toEqual([1, 1]);
    expect(scalar(0.1, cpuBackend, 'float64').toArray()).toEqual([0.1]);
    const x = tensor([2], [1], 'float64');
    expect(scalarLike(0.1, x).dtype).toBe('float64');
    const back = astype(astype(x, 'float32'), 'float64');
    expect(back.dtype).toBe('float64');
    expect(astype(tensor([0.1], [1], 'float64'), 'float32').toArray()[0]).toBe(Math.fround(0.1));
  });

  it('come out of the initialisers in float64 when asked: the same draws, unrounded', () => {
    const spec: InitSpec = {
      distribution: 'uniform',
      fanIn: 3,
      fanOut: 3,
      gain: null,
      bound: 1,
      std: 1 / Math.sqrt(3),
    };
    const wide = sample(spec, [5], new Rng(3), cpuBackend, 'float64');
    const narrow = sample(spec, [5], new Rng(3));
    expect(wide.dtype).toBe('float64');
    expect(narrow.toArray()).toEqual(wide.toArray().map(Math.fround));
    expect(wide.toArray()).not.toEqual(narrow.toArray());
    expect(normal([3], new Rng(1), 1, 0, cpuBackend, 'float64').dtype).toBe('float64');
    expect(onesInit([2], cpuBackend, 'float64').toArray()).toEqual([1, 1]);
  });

  it('promote float32 with float64 to float64 in elementwise ops and matmul, as PyTorch', () => {
    const third = tensor([1 / 3, 2 / 3], [2], 'float64');
    const zero = tensor([0, 0], [2], 'float32');
    for (const op of ['add', 'sub', 'maximum'] as const) {
      const y = run(op, [third, zero]);
      expect(y.dtype).toBe('float64');
      expect(y.toArray()).toEqual([1 / 3, 2 / 3]);
    }
    expect(run('mul', [zero, third]).dtype).toBe('float64');
    expect(run('div', [tensor([1, 2], [2], 'float32'), tensor([3], [1], 'float64')]).toArray()).toEqual([
      1 / 3,
      2 / 3,
    ]);
    const m = run('matmul', [tensor([1, 1], [1, 2], 'float32'), tensor([1 / 3, 1 / 7], [2, 1], 'float64')]);
    expect(m.dtype).toBe('float64');
    expect(m.toArray()[0]).toBe(1 / 3 + 1 / 7);
    expect(run('concat', [zero, third]).dtype).toBe('float64');
    expect(floatTypeOf({ dtype: 'float32' }, { dtype: 'int32' })).toBe('float32');
  });

  it('give a float32 input of a mixed op a float32 gradient, as PyTorch (autograd casts it back)', () => {
    const a = tensor([1, 2], [2], 'float32').requireGrad();
    const b = tensor([1 / 3, 1 / 7], [2], 'float64').requireGrad();
    const pass = new BackwardPass(run('sum', [run('mul', [a, b])]));
    pass.run();
    expect(pass.gradOf(a)!.dtype).toBe('float32');
    expect(pass.gradOf(a)!.toArray()).toEqual([Math.fround(1 / 3), Math.fround(1 / 7)]);
    expect(pass.gradOf(b)!.dtype).toBe('float64');
    expect(pass.gradOf(b)!.toArray()).toEqual([1, 2]);
  });

  it('cast between float32 and float64 with a gradient, and refuse ints', () => {
    const x = tensor([0.1, 1 / 3], [2], 'float64').requireGrad();
    const y = run('cast', [x], { dtype: 'float32' });
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    const pass = new BackwardPass(run('sum', [y]));
    pass.run();
    expect(pass.gradOf(x)!.dtype).toBe('float64');
    expect(() => run('cast', [tensor([1], [1], 'int32')], { dtype: 'float64' })).toThrow(
      /cast: casts between float32 and float64 only, got int32 to float64/,
    );
  });

  it('still refuse int32 operands in float ops with a DTypeError naming the op', () => {
    const ints = tensor([1, 2], [2], 'int32');
    expect(() => run('add', [ints, tensor([1, 2], [2], 'float64')])).toThrow(DTypeError);
    expect(() => run('add', [ints, tensor([1, 2], [2], 'float64')])).toThrow(/^add: /);
    expect(() => run('exp', [ints])).toThrow(/exp: expected a float32 or float64 tensor, got int32/);
  });

  it('compute in float64: softmax of logits 1e-9 apart is not rounded to uniform', () => {
    const x = tensor([0, 1e-9], [2], 'float64');
    const p = run('softmax', [x], { dim: 0 }).toArray();
    expect(p[1] - p[0]).toBeCloseTo(5e-10, 15);
    const p32 = run('softmax', [astype(x, 'float32')], { dim: 0 }).toArray();
    expect(p32[1] - p32[0]).toBe(0);
  });

  it('multiply in float64 for every operand layout and width (the float64 GEMM path)', () => {
    for (const [M, K, N] of [
      [5, 7, 1],
      [3, 4, 2],
      [6, 5, 3],
      [2, 9, 4],
      [7, 3, 9],
    ]) {
      const a = values(M * K);
      const b = values(K * N);
      // A·B, Aᵀ·B and A·Bᵀ against the definition, through matmul and transposes
      const want = Array.from({ length: M * N }, (_, o) => {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[Math.floor(o / N) * K + k] * b[k * N + (o % N)];
        return s;
      });
      const A = tensor(a, [M, K], 'float64');
      const B = tensor(b, [K, N], 'float64');
      const swap = (t: Tensor) => run('permute', [t], { dims: [1, 0] });
      for (const [x, y] of [
        [A, B],
        [swap(swap(A)), B],
        [A, swap(swap(B))],
      ]) {
        expect(maxRelative(run('matmul', [x, y]).dataSync(), want)).toBeLessThan(1e-13);
      }
      const linear = run('linear', [A, swap(B)]).dataSync();
      expect(maxRelative(linear, want)).toBeLessThan(1e-13);
      // dW = dYᵀ·X with dY = Aᵀ: A·B again, read transposed
      const dW = run('linear_backward_weight', [swap(A), B]).dataSync();
      expect(maxRelative(dW, want)).toBeLessThan(1e-13);
    }
  });

  it('catch a CPU kernel that returns float32 values for a float64 output', () => {
    const sloppy = defineOp<NoAttrs>({
      name: 'sloppy_copy',
      kind: 'elementwise',
      inputs: [{ name: 'x' }],
      shape: ([x]) => out(x!.shape, x!.dtype),
      forward: { cpu: ([x]) => [Float32Array.from(x!.data)] },
      formula: 'dX = dY',
    });
    expect(() => applyOp(sloppy, [tensor([1, 2], [2], 'float64')])).toThrow(
      /cpu kernel returned float32 values for output 0, the shape rule says float64/,
    );
  });
});

describe('float64 backward passes stay float64 end to end', () => {
  it('MLP with softmax-cross-entropy: autograd equals hand backprop to 1e-12; float32 only to ~1e-7', () => {
    const [N, D, H, C] = [4, 5, 6, 3];
    const data = { x: values(N * D), w1: values(H * D), b1: values(H), w2: values(C * H), b2: values(C) };
    const y = [0, 2, 1, 2];
    const run64 = mlpGradients(data, y, 'float64');
    const run32 = mlpGradients(data, y, 'float32');
    const manual = manualMlpGradients(data, y, [N, D, H, C]);
    for (const name of ['w1', 'b1', 'w2', 'b2'] as const) {
      expect(run64.grads[name]).toBeInstanceOf(Float64Array);
      expect(maxRelative(run64.grads[name], manual[name])).toBeLessThan(1e-12);
      expect(maxRelative(run32.grads[name], manual[name])).toBeGreaterThan(1e-9);
    }
    expect(run64.dtypes).toEqual(['float64']);
  });

  it('conv2d + batch_norm + relu + max_pool2d: every tensor of the pass is float64, dW equals a direct sum', () => {
    const x = leaf([2, 2, 5, 5]);
    const w = leaf([3, 2, 3, 3]);
    const b = leaf([3]);
    const r = tensor(values(2 * 3 * 3 * 3), [2, 3, 3, 3], 'float64');
    const conv = run('conv2d', [x, w, b]);
    const loss = run('sum', [run('mul', [conv, r])]);
    const pass = new BackwardPass(loss);
    pass.run();
    // dW[o, c, i, j] = Σ_{n, p, q} r[n, o, p, q]·x[n, c, p + i, q + j]
    const [xd, rd] = [x.dataSync(), r.dataSync()];
    const direct = new Float64Array(3 * 2 * 9);
    for (let o = 0; o < 3; o++)
      for (let c = 0; c < 2; c++)
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) {
            let s = 0;
            for (let n = 0; n < 2; n++)
              for (let p = 0; p < 3; p++)
                for (let q = 0; q < 3; q++)
                  s += rd[((n * 3 + o) * 3 + p) * 3 + q] * xd[((n * 2 + c) * 5 + p + i) * 5 + q + j];
            direct[((o * 2 + c) * 3 + i) * 3 + j] = s;
          }
    expect(maxRelative(pass.gradOf(w)!.dataSync(), direct)).toBeLessThan(1e-12);

    const deep = run('max_pool2d', [run('relu', [runBatchNorm(conv)])], { kernel_size: 2 });
    const deepPass = new BackwardPass(run('mean', [deep]));
    deepPass.run();
    expect(new Set(passTensors(deepPass).map((t) => t.dtype))).toEqual(new Set(['float64']));
    expect([x, w, b].map((t) => deepPass.gradOf(t)?.dtype)).toEqual(['float64', 'float64', 'float64']);
  });

  it('multi-head attention (causal) and an LSTM cell: every tensor of the pass is float64', () => {
    const [B, L, E] = [2, 3, 4];
    const attention = applyOp(
      opRegistry.multi_head_attention,
      [
        leaf([B, L, E]),
        leaf([B, L, E]),
        leaf([B, L, E]),
        leaf([3 * E, E]),
        leaf([3 * E]),
        leaf([E, E]),
        leaf([E]),
      ],
      { num_heads: 2, causal: true },
    );
    const [h, c] = applyOp(opRegistry.lstm_cell, [
      run('reshape', [attention[0]], { shape: [B * L, E] }),
      leaf([B * L, 2]),
      leaf([B * L, 2]),
      leaf([8, E]),
      leaf([8, 2]),
      leaf([8]),
      leaf([8]),
    ]);
    const pass = new BackwardPass(run('sum', [run('mul', [h, c])]));
    pass.run();
    const dtypes = new Set(passTensors(pass).map((t) => t.dtype));
    expect(dtypes).toEqual(new Set(['float64']));
    expect(pass.steps.length).toBeGreaterThan(20);
  });
});

describe('float64 against the PyTorch float64 references (ops and losses)', () => {
  // the cases are float64 values rounded to 12 significant digits: a float64 engine agrees to ~1e-11,
  // where float32 gets 1e-4
  const tolerance = { rtol: 1e-9, atol: 1e-11 };
  for (const family of ['ops', 'losses']) {
    it(`${family}: outputs and gradients within rtol 1e-9, all float64`, () => {
      const { cases } = JSON.parse(readFileSync(`test/reference/cases/${family}.json`, 'utf8')) as {
        cases: RefOpCase[];
      };
      const results = cases.filter((c) => c.output).map(runCase64);
      const failures = results.filter((r) => r.problem).map((r) => `${r.id}: ${r.problem}`);
      expect(failures).toEqual([]);
      expect(results.length).toBeGreaterThan(family === 'ops' ? 100 : 25);
    });
  }

  interface RefTensor {
    shape: number[];
    data: (number | string | boolean)[];
    dtype?: string;
  }
  interface RefOpCase {
    id: string;
    op: string;
    attrs: Record<string, unknown>;
    inputs: (RefTensor & { name: string; requires_grad: boolean })[];
    output?: RefTensor;
    grad_output?: RefTensor;
    grads?: Record<string, RefTensor>;
    extra_grad_outputs?: Record<string, RefTensor>;
  }
  const fromRef = (t: RefTensor) => {
    const data = t.data.map((v) => (typeof v === 'string' ? Number(v) : Number(v)));
    return tensor(data, t.shape, t.dtype === 'int64' || t.dtype === 'bool' ? 'int32' : 'float64');
  };
  function differs(got: Tensor | null | undefined, want: RefTensor): string | null {
    if (!got) return 'missing';
    if (got.dtype === 'float32') return 'float32';
    const g = got.dataSync();
    for (let i = 0; i < g.length; i++) {
      const w = Number(want.data[i]);
      if (
        Number.isNaN(w)
          ? !Number.isNaN(g[i])
          : !(Math.abs(g[i] - w) <= tolerance.atol + tolerance.rtol * Math.abs(w))
      )
        return `[${i}] ${g[i]} vs ${w}`;
    }
    return null;
  }
  function runCase64(c: RefOpCase): { id: string; problem: string | null } {
    const op = (opRegistry as Record<string, (typeof opRegistry)[keyof typeof opRegistry]>)[c.op];
    if (!op) return { id: c.id, problem: null };
    const byName = new Map(c.inputs.map((i) => [i.name, fromRef(i)]));
    const inputs = op.variadic
      ? c.inputs.map((i) => byName.get(i.name)!)
      : op.inputs.map((s) => byName.get(s.name) ?? null);
    for (const i of c.inputs) if (i.requires_grad) byName.get(i.name)!.requireGrad();
    let outputs: Tensor[];
    try {
      outputs = applyOp(op, inputs, c.attrs);
    } catch (e) {
      return { id: c.id, problem: `threw ${(e as Error).message}` };
    }
    const problem = differs(outputs[0], c.output!);
    if (problem) return { id: c.id, problem: `output ${problem}` };
    if (!c.grads || !c.grad_output || !outputs[0].requiresGrad) return { id: c.id, problem: null };
    const names = op.outputs ?? ['output'];
    const roots: Root[] = [{ tensor: outputs[0], grad: fromRef(c.grad_output) }];
    for (const [name, g] of Object.entries(c.extra_grad_outputs ?? {}))
      roots.push({ tensor: outputs[names.indexOf(name)], grad: fromRef(g) });
    new BackwardPass(roots).run();
    for (const [name, want] of Object.entries(c.grads)) {
      const p = differs(byName.get(name)?.grad, want);
      if (p) return { id: c.id, problem: `grad ${name} ${p}` };
    }
    return { id: c.id, problem: null };
  }
});

describe('float64 is a CPU dtype: the WebGPU backend refuses it', () => {
  it('a float64 tensor on a WebGPU backend is a DTypeError naming the op', () => {
    const stub = { ...cpuBackend, name: 'webgpu' } as Backend;
    const t = new Tensor([2], 'float64', stub, new Float64Array(2));
    expect(() => run('relu', [t])).toThrow(DTypeError);
    expect(() => run('relu', [t])).toThrow(/^relu: the webgpu backend computes in float32 only/);
    expect(() => tensor([1], [1], 'float64', stub)).toThrow(
      /^tensor: the webgpu backend computes in float32 only/,
    );
  });

  it('the real WebGPU backend: upload and toBackend of float64 fail with a DTypeError', async () => {
    const gpu = await createNodeWebGPUBackend();
    if (!gpu.backend) {
      console.warn(`WebGPU float64 guard not run on a real adapter: ${gpu.reason}`);
      return;
    }
    await expect(toBackend(tensor([1], [1], 'float64'), gpu.backend)).rejects.toThrow(DTypeError);
    expect(() => tensor([1], [1], 'float64', gpu.backend!)).toThrow(/float32 only/);
    // float32 still goes
    expect(await tensor([1.5], [1], 'float32', gpu.backend).data()).toEqual(Float32Array.of(1.5));
  });
});

// ---------------------------------------------------------------- helpers

function runBatchNorm(x: Tensor): Tensor {
  const C = x.shape[1];
  return applyOp(
    opRegistry.batch_norm,
    [
      x,
      tensor(values(C, 0.5, 1.5), [C], 'float64').requireGrad(),
      tensor(values(C), [C], 'float64').requireGrad(),
      zeros([C], cpuBackend, 'float64'),
      ones([C], cpuBackend, 'float64'),
    ],
    { training: true },
  )[0];
}

type MlpData = { x: number[]; w1: number[]; b1: number[]; w2: number[]; b2: number[] };

/** The engine's gradients of mean softmax-CE(linear(relu(linear(x)))) in one dtype. */
function mlpGradients(data: MlpData, y: number[], dtype: 'float32' | 'float64') {
  const N = y.length;
  const [D, H, C] = [data.x.length / N, data.b1.length, data.b2.length];
  const p = {
    w1: tensor(data.w1, [H, D], dtype).requireGrad(),
    b1: tensor(data.b1, [H], dtype).requireGrad(),
    w2: tensor(data.w2, [C, H], dtype).requireGrad(),
    b2: tensor(data.b2, [C], dtype).requireGrad(),
  };
  const hidden = run('relu', [run('linear', [tensor(data.x, [N, D], dtype), p.w1, p.b1])]);
  const logits = run('linear', [hidden, p.w2, p.b2]);
  const loss = run('cross_entropy', [logits, tensor(y, [N], 'int32')]);
  const pass = new BackwardPass(loss);
  pass.run();
  const grads = Object.fromEntries(Object.entries(p).map(([k, t]) => [k, pass.gradOf(t)!.dataSync()]));
  return { grads, dtypes: [...new Set(passTensors(pass).map((t) => t.dtype))] };
}

/** The study notes' manual backprop in plain JS numbers: δ = (p − y)/N, dW = δᵀx, db = Σδ, dx = δW, ReLU mask. */
function manualMlpGradients(data: MlpData, y: number[], [N, D, H, C]: number[]) {
  const z1 = Array.from({ length: N * H }, (_, k) => {
    const [n, h] = [Math.floor(k / H), k % H];
    let s = data.b1[h];
    for (let d = 0; d < D; d++) s += data.x[n * D + d] * data.w1[h * D + d];
    return s;
  });
  const a1 = z1.map((v) => Math.max(v, 0));
  const delta2 = new Array<number>(N * C).fill(0);
  for (let n = 0; n < N; n++) {
    const z = Array.from({ length: C }, (_, c) => {
      let s = data.b2[c];
      for (let h = 0; h < H; h++) s += a1[n * H + h] * data.w2[c * H + h];
      return s;
    });
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < C; c++) delta2[n * C + c] = (e[c] / total - (c === y[n] ? 1 : 0)) / N;
  }
  const w2 = new Float64Array(C * H);
  const b2 = new Float64Array(C);
  const delta1 = new Array<number>(N * H).fill(0);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      b2[c] += delta2[n * C + c];
      for (let h = 0; h < H; h++) {
        w2[c * H + h] += delta2[n * C + c] * a1[n * H + h];
        delta1[n * H + h] += delta2[n * C + c] * data.w2[c * H + h] * (z1[n * H + h] > 0 ? 1 : 0);
      }
    }
  const w1 = new Float64Array(H * D);
  const b1 = new Float64Array(H);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++) {
      b1[h] += delta1[n * H + h];
      for (let d = 0; d < D; d++) w1[h * D + d] += delta1[n * H + h] * data.x[n * D + d];
    }
  return { w1, b1, w2, b2 };
}
