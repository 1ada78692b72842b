/**
 * Manual backprop for x → Linear → ReLU → Linear → softmax-cross-entropy (mean), in float64,
 * with the study notes' formulas: δ = (p − y)/N; db = Σδ; dW = δᵀx; dx = δW; ReLU mask.
 * Written without the engine, so the stepper is checked against an independent computation.
 * Matrices are flat row-major arrays.
 */
export interface MlpValues {
  x: number[];
  /** class indices */
  y: number[];
  W1: number[];
  b1: number[];
  W2: number[];
  b2: number[];
  N: number;
  D: number;
  H: number;
  C: number;
}

export interface MlpGrads {
  a: number[];
  h: number[];
  z: number[];
  loss: number;
  delta: number[];
  dW2: number[];
  db2: number[];
  dh: number[];
  mask: number[];
  dA: number[];
  dW1: number[];
  db1: number[];
  dx: number[];
}

/** y = x·Wᵀ + b for x [n, k], W [m, k] */
function linear(x: number[], W: number[], b: number[], n: number, k: number, m: number): number[] {
  const out = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = b[j];
      for (let t = 0; t < k; t++) s += x[i * k + t] * W[j * k + t];
      out[i * m + j] = s;
    }
  return out;
}

/** dW = δᵀx for δ [n, m], x [n, k] → [m, k] */
function weightGrad(delta: number[], x: number[], n: number, m: number, k: number): number[] {
  const out = new Array<number>(m * k).fill(0);
  for (let j = 0; j < m; j++)
    for (let t = 0; t < k; t++) for (let i = 0; i < n; i++) out[j * k + t] += delta[i * m + j] * x[i * k + t];
  return out;
}

/** db = Σ_N δ */
function biasGrad(delta: number[], n: number, m: number): number[] {
  const out = new Array<number>(m).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j] += delta[i * m + j];
  return out;
}

/** dx = δW for δ [n, m], W [m, k] → [n, k] */
function inputGrad(delta: number[], W: number[], n: number, m: number, k: number): number[] {
  const out = new Array<number>(n * k).fill(0);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < k; t++) for (let j = 0; j < m; j++) out[i * k + t] += delta[i * m + j] * W[j * k + t];
  return out;
}

export function mlpBackprop(v: MlpValues): MlpGrads {
  const { N, D, H, C } = v;
  const a = linear(v.x, v.W1, v.b1, N, D, H);
  const mask = a.map((u) => (u > 0 ? 1 : 0));
  const h = a.map((u) => Math.max(u, 0));
  const z = linear(h, v.W2, v.b2, N, H, C);
  const delta = new Array<number>(N * C).fill(0);
  let loss = 0;
  for (let i = 0; i < N; i++) {
    const row = z.slice(i * C, i * C + C);
    const top = Math.max(...row);
    const e = row.map((u) => Math.exp(u - top));
    const s = e.reduce((p, q) => p + q, 0);
    loss -= Math.log(e[v.y[i]] / s) / N;
    for (let c = 0; c < C; c++) delta[i * C + c] = (e[c] / s - (c === v.y[i] ? 1 : 0)) / N;
  }
  const dh = inputGrad(delta, v.W2, N, C, H);
  const dA = dh.map((g, i) => g * mask[i]);
  return {
    a,
    h,
    z,
    loss,
    delta,
    dW2: weightGrad(delta, h, N, C, H),
    db2: biasGrad(delta, N, C),
    dh,
    mask,
    dA,
    dW1: weightGrad(dA, v.x, N, H, D),
    db1: biasGrad(dA, N, H),
    dx: inputGrad(dA, v.W1, N, H, D),
  };
}

/** Largest |a − b| allowed: float32 results against float64 ones. */
export function close(
  actual: readonly number[],
  expected: readonly number[],
  rtol = 1e-4,
  atol = 1e-6,
): boolean {
  return (
    actual.length === expected.length &&
    actual.every((u, i) => Math.abs(u - expected[i]) <= atol + rtol * Math.abs(expected[i]))
  );
}
