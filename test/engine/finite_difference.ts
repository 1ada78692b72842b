import { expect } from 'vitest';
import {
  type Backend,
  BackwardPass,
  type DType,
  noGrad,
  Rng,
  type Tensor,
  tensor,
} from '../../src/engine/index.ts';

/** One input of a gradient check: its values, and whether its gradient is checked. */
export interface CheckInput {
  data: number[];
  shape: number[];
  dtype?: DType;
  /** default true for float32 inputs */
  grad?: boolean;
}

export interface GradMismatch {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

/** Seeded values in [lo, hi) for test inputs. */
export function randomData(rng: Rng, size: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: size }, () => Math.fround(rng.uniform(lo, hi)));
}

/**
 * Central finite differences against the vjp, on any backend (values are read with `await data()`). The scalar probed is Σ_k Σ(out_k · g_k) with
 * random g_k, so every output (extra outputs included) and every element gets checked.
 * float32 engine: h = 1e-2 and a tolerance of atol + rtol·|numeric| keep rounding noise out.
 */
export async function gradientMismatches(
  fn: (inputs: Tensor[]) => Tensor[],
  specs: CheckInput[],
  backend: Backend,
  {
    h = 1e-2,
    atol = 2e-3,
    rtol = 2e-2,
    seed = 7,
    outputsChecked,
  }: { h?: number; atol?: number; rtol?: number; seed?: number; outputsChecked?: number[] } = {},
): Promise<GradMismatch[]> {
  const make = (s: CheckInput, data = s.data) => tensor(data, s.shape, s.dtype ?? 'float32', backend);
  const wants = specs.map((s) => s.grad ?? (s.dtype ?? 'float32') === 'float32');
  const inputs = specs.map((s, i) => (wants[i] ? make(s).requireGrad() : make(s)));
  const outputs = fn(inputs);
  const rng = new Rng(seed);
  const checked = outputsChecked ?? outputs.map((_, i) => i);
  const upstream = outputs.map((o, k) =>
    checked.includes(k) ? randomData(rng, o.size) : new Array(o.size).fill(0),
  );
  const roots = outputs
    .map((o, k) => ({ tensor: o, grad: tensor(upstream[k], o.shape, 'float32', backend) }))
    .filter((r, k) => checked.includes(k) && r.tensor.requiresGrad);
  new BackwardPass(roots).run();

  const probe = async (data: number[][]) => {
    const outs = noGrad(() => fn(specs.map((s, i) => make(s, data[i]))));
    let total = 0;
    for (const [k, o] of outs.entries()) {
      const v = await o.data();
      for (let j = 0; j < v.length; j++) total += v[j] * upstream[k][j];
    }
    return total;
  };

  const mismatches: GradMismatch[] = [];
  for (const [i, s] of specs.entries()) {
    if (!wants[i]) continue;
    const analytic = inputs[i].grad
      ? Array.from(await inputs[i].grad!.data())
      : new Array(s.data.length).fill(0);
    const data = specs.map((t) => [...t.data]);
    for (let j = 0; j < s.data.length; j++) {
      data[i][j] = s.data[j] + h;
      const up = await probe(data);
      data[i][j] = s.data[j] - h;
      const down = await probe(data);
      data[i][j] = s.data[j];
      const numeric = (up - down) / (2 * h);
      if (Math.abs(analytic[j] - numeric) > atol + rtol * Math.abs(numeric)) {
        mismatches.push({ input: i, index: j, analytic: analytic[j], numeric });
      }
    }
  }
  return mismatches;
}

/** Element by element toBeCloseTo, with the index in the message. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, digits = 6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i], `element ${i}`).toBeCloseTo(want[i], digits);
}
