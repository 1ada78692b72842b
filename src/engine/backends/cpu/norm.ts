import type { Storage } from '../../tensor.ts';

/**
 * CPU kernels shared by batch_norm, layer_norm and group_norm. Every one of them is the same
 * computation on a [P, Q, R] view of x: statistics per q, taken over p and r.
 *   batch_norm  [N, C, S]      (statistics per channel, over batch and space)
 *   layer_norm  [1, M, K]      (per row, over the K normalised elements)
 *   group_norm  [1, N·G, K]    (per sample and group, over the group's channels and space)
 */
export interface NormLayout {
  P: number;
  Q: number;
  R: number;
}

export interface Moments {
  mean: Float64Array;
  /** biased variance (divided by the count, as used for normalising) */
  variance: Float64Array;
  /** 1/√(variance + eps) */
  invstd: Float64Array;
  /** elements per statistic: P·R */
  count: number;
}

/** Mean and biased variance per q, two-pass in float64 (no cancellation from Σx² − (Σx)²). */
export function moments(x: Storage, { P, Q, R }: NormLayout, eps: number): Moments {
  const mean = new Float64Array(Q);
  const variance = new Float64Array(Q);
  const invstd = new Float64Array(Q);
  const count = P * R;
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      const base = (p * Q + q) * R;
      let s = 0;
      for (let r = 0; r < R; r++) s += x[base + r];
      mean[q] += s;
    }
  }
  for (let q = 0; q < Q; q++) mean[q] /= count;
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      const base = (p * Q + q) * R;
      const m = mean[q];
      let s = 0;
      for (let r = 0; r < R; r++) {
        const d = x[base + r] - m;
        s += d * d;
      }
      variance[q] += s;
    }
  }
  for (let q = 0; q < Q; q++) {
    variance[q] /= count;
    invstd[q] = 1 / Math.sqrt(variance[q] + eps);
  }
  return { mean, variance, invstd, count };
}

/**
 * y[p,q,r] = (x − mean[q])·invstd[q]·scale[i] + shift[i], where the affine parameters are
 * indexed by `paramIndex(q, r)` (per channel for batch/group norm, per element for layer
 * norm). A null scale is 1, a null shift 0.
 */
export function normalize(
  x: Storage,
  { P, Q, R }: NormLayout,
  mean: ArrayLike<number>,
  invstd: ArrayLike<number>,
  scale: Storage | null,
  shift: Storage | null,
  paramIndex: (q: number, r: number) => number,
): Float32Array {
  const y = new Float32Array(P * Q * R);
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      const base = (p * Q + q) * R;
      const m = mean[q];
      const s = invstd[q];
      for (let r = 0; r < R; r++) {
        const i = scale || shift ? paramIndex(q, r) : 0;
        const v = (x[base + r] - m) * s;
        y[base + r] = v * (scale ? scale[i] : 1) + (shift ? shift[i] : 0);
      }
    }
  }
  return y;
}
