import { expect } from 'vitest';
import { type Backend, BackwardPass, Rng, type Tensor, tensor } from '../../src/engine/index.ts';

/** A test input: row-major values (float32-exact, so engine and reference see the same x). */
export interface Values {
  shape: number[];
  data: number[];
}

export function randomValues(shape: number[], seed: number, lo = -2, hi = 2): Values {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Array.from({ length: size }, () => Math.fround(rng.uniform(lo, hi))) };
}

/** A tensor's values on any backend (WebGPU can only be read asynchronously). */
export async function read(t: Tensor | null): Promise<number[]> {
  expect(t, 'tensor is missing').not.toBeNull();
  return Array.from(await t!.data());
}

/** |got − want| ≤ atol + rtol·|want| elementwise, with NaN matching NaN. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w)) {
      expect(g, `[${i}]`).toBeNaN();
      continue;
    }
    if (!Number.isFinite(w)) {
      expect(g, `[${i}]`).toBe(w);
      continue;
    }
    expect(Math.abs(g - w), `[${i}]: got ${g}, want ${w}`).toBeLessThanOrEqual(atol + rtol * Math.abs(w));
  }
}

export interface GradientCheck {
  /** the op under test, on engine tensors */
  run: (xs: Tensor[]) => Tensor;
  /** the same function written independently in float64 */
  reference: (xs: Float64Array[]) => ArrayLike<number>;
  inputs: Values[];
  backend: Backend;
  /** step of the central difference (float64 math, so it can be small) */
  h?: number;
}

/**
 * The engine's vector-Jacobian product against central differences of a float64 reference:
 * for a seeded upstream g, d/dxⱼ Σ g·f(x) ≈ (Σ g·f(x + h·eⱼ) − Σ g·f(x − h·eⱼ)) / 2h.
 * Also checks the engine's forward against the reference.
 */
export async function checkGradient(
  { run, reference, inputs, backend, h = 1e-6 }: GradientCheck,
  rtol = 1e-4,
  atol = 1e-5,
): Promise<void> {
  const leaves = inputs.map((v) => tensor(v.data, v.shape, 'float32', backend).requireGrad());
  const y = run(leaves);
  const x64 = inputs.map((v) => Float64Array.from(v.data));
  expectClose(await read(y), reference(x64), 1e-5, 1e-6);

  const g = randomValues([...y.shape], 99, -1, 1);
  new BackwardPass(y, tensor(g.data, y.shape, 'float32', backend)).run();
  const probe = () => {
    const out = reference(x64);
    let total = 0;
    for (let i = 0; i < out.length; i++) total += out[i] * g.data[i];
    return total;
  };
  for (let k = 0; k < inputs.length; k++) {
    const numeric = x64[k].map((x, j) => {
      x64[k][j] = x + h;
      const up = probe();
      x64[k][j] = x - h;
      const down = probe();
      x64[k][j] = x;
      return (up - down) / (2 * h);
    });
    expectClose(await read(leaves[k].grad), numeric, rtol, atol);
  }
}

/**
 * For a linear op the vjp is its adjoint: ⟨f(x), g⟩ = ⟨x, vjp(g)⟩ for every x and g.
 * Exact up to float32 rounding, with no step size to tune.
 */
export async function checkAdjoint(
  run: (xs: Tensor[]) => Tensor,
  inputs: Values[],
  backend: Backend,
): Promise<void> {
  const leaves = inputs.map((v) => tensor(v.data, v.shape, 'float32', backend).requireGrad());
  const y = run(leaves);
  const g = randomValues([...y.shape], 5, -1, 1);
  new BackwardPass(y, tensor(g.data, y.shape, 'float32', backend)).run();
  const out = await read(y);
  let lhs = 0;
  for (let i = 0; i < out.length; i++) lhs += out[i] * g.data[i];
  let rhs = 0;
  for (let k = 0; k < leaves.length; k++) {
    const grad = await read(leaves[k].grad);
    for (let i = 0; i < grad.length; i++) rhs += grad[i] * inputs[k].data[i];
  }
  expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(lhs)));
}
