import { allocFloat, type DType, type FloatStorage, floatFrom, type Storage } from '../../tensor.ts';

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

/**
 * Which weight/bias element scales view position (q, r):
 * (q mod groups)·group_channels + ⌊r / channel_size⌋.
 *   batch_norm  groups C, group_channels 1, channel_size S   → q
 *   layer_norm  groups 1, group_channels K, channel_size 1   → r
 *   group_norm  groups G, group_channels C/G, channel_size S → the channel
 */
export interface AffineLayout {
  groups: number;
  group_channels: number;
  channel_size: number;
}

export function affineSize({ groups, group_channels }: AffineLayout): number {
  return groups * group_channels;
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
 * y = (x − mean[q])·invstd[q]·weight[c] + bias[c], c from the affine layout; null weight is 1,
 * null bias 0. Stored as `dtype`.
 */
export function normalize(
  x: Storage,
  { P, Q, R }: NormLayout,
  mean: ArrayLike<number>,
  invstd: ArrayLike<number>,
  weight: Storage | null,
  bias: Storage | null,
  { groups, group_channels, channel_size }: AffineLayout,
  dtype: DType,
): FloatStorage {
  const y = allocFloat(dtype, P * Q * R);
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      const base = (p * Q + q) * R;
      const first = (q % groups) * group_channels;
      const m = mean[q];
      const s = invstd[q];
      for (let r = 0; r < R; r++) {
        const c = first + Math.floor(r / channel_size);
        y[base + r] = (x[base + r] - m) * s * (weight ? weight[c] : 1) + (bias ? bias[c] : 0);
      }
    }
  }
  return y;
}

/**
 * The whole backward of a norm that used its own statistics, in two passes:
 * with g = dY·γ, dx = r·(g − mean(g) − x̂·mean(g·x̂)) (means per q), dγ = Σ dY·x̂, dβ = Σ dY.
 */
export function normBackward(
  x: Storage,
  dy: Storage,
  weight: Storage | null,
  layout: NormLayout,
  affine: AffineLayout,
  eps: number,
  dtype: DType,
): { dx: FloatStorage; dweight: FloatStorage; dbias: FloatStorage } {
  const { P, Q, R } = layout;
  const { groups, group_channels, channel_size } = affine;
  const { mean, invstd, count } = moments(x, layout, eps);
  const sumG = new Float64Array(Q);
  const sumGX = new Float64Array(Q);
  const dweight = new Float64Array(affineSize(affine));
  const dbias = new Float64Array(affineSize(affine));
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      const base = (p * Q + q) * R;
      const first = (q % groups) * group_channels;
      let sg = 0;
      let sgx = 0;
      for (let r = 0; r < R; r++) {
        const c = first + Math.floor(r / channel_size);
        const xhat = (x[base + r] - mean[q]) * invstd[q];
        const d = dy[base + r];
        const g = weight ? d * weight[c] : d;
        sg += g;
        sgx += g * xhat;
        dweight[c] += d * xhat;
        dbias[c] += d;
      }
      sumG[q] += sg;
      sumGX[q] += sgx;
    }
  }
  const dx = allocFloat(dtype, P * Q * R);
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      const base = (p * Q + q) * R;
      const first = (q % groups) * group_channels;
      const meanG = sumG[q] / count;
      const meanGX = sumGX[q] / count;
      for (let r = 0; r < R; r++) {
        const c = first + Math.floor(r / channel_size);
        const xhat = (x[base + r] - mean[q]) * invstd[q];
        const g = weight ? dy[base + r] * weight[c] : dy[base + r];
        dx[base + r] = invstd[q] * (g - meanG - xhat * meanGX);
      }
    }
  }
  return { dx, dweight: floatFrom(dtype, dweight), dbias: floatFrom(dtype, dbias) };
}
