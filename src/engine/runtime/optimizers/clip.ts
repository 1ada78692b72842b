import { scalar } from '../../create.ts';
import { run } from '../../dispatch.ts';
import { AttrError } from '../../errors.ts';
import { add, div, mul, neg } from '../../functional.ts';
import type { Tensor } from '../../tensor.ts';

/**
 * Gradient clipping with torch.nn.utils semantics, in place on the gradient arrays (the
 * runtime's own copies, see `gradsOf`). Null entries (parameters without a gradient) are skipped.
 */

export interface ClipGradNormOptions {
  /** p of the p-norm; Infinity for the max-norm (PyTorch's norm_type, default 2) */
  normType?: number;
  /** throw when the total norm is NaN or ±Inf instead of scaling by it (PyTorch's error_if_nonfinite) */
  errorIfNonfinite?: boolean;
}

/** The p-norm of all gradients taken together, as if concatenated (PyTorch's total_norm). */
export function totalGradNorm(grads: readonly (Float32Array | null)[], normType = 2): number {
  if (!(normType > 0))
    throw new AttrError('clip_grad_norm', 'norm_type', `must be > 0 or Infinity, got ${normType}`);
  if (normType === Infinity) {
    let max = 0;
    for (const g of grads) {
      if (!g) continue;
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]);
        if (a > max || Number.isNaN(a)) max = a;
      }
    }
    return max;
  }
  let sum = 0;
  for (const g of grads) {
    if (!g) continue;
    for (let i = 0; i < g.length; i++) sum += Math.abs(g[i]) ** normType;
  }
  return sum ** (1 / normType);
}

/**
 * `clip_grad_norm_`: scale every gradient by min(1, max_norm / (total_norm + 1e-6)).
 * Returns the total norm before clipping.
 */
export function clipGradNorm(
  grads: readonly (Float32Array | null)[],
  maxNorm: number,
  { normType = 2, errorIfNonfinite = false }: ClipGradNormOptions = {},
): number {
  if (!(maxNorm >= 0)) throw new AttrError('clip_grad_norm', 'max_norm', `must be ≥ 0, got ${maxNorm}`);
  const total = totalGradNorm(grads, normType);
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new AttrError(
      'clip_grad_norm',
      'gradients',
      `have a non-finite total norm of order ${normType} (${total}), so they cannot be clipped`,
    );
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  // PyTorch multiplies even when coef is 1 (a no-op), and by NaN when the norm is NaN
  if (coef !== 1) for (const g of grads) if (g) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return total;
}

/** `clip_grad_value_`: clamp every gradient entry to [−clip_value, clip_value]. */
export function clipGradValue(grads: readonly (Float32Array | null)[], clipValue: number): void {
  if (!(clipValue >= 0))
    throw new AttrError('clip_grad_value', 'clip_value', `must be ≥ 0, got ${clipValue}`);
  for (const g of grads) {
    if (!g) continue;
    for (let i = 0; i < g.length; i++) {
      if (g[i] > clipValue) g[i] = clipValue;
      else if (g[i] < -clipValue) g[i] = -clipValue;
    }
  }
}

/**
 * The same two clips on device tensors, with engine ops (nothing read back). `sumSquares` are
 * the scalar Σg² of each gradient, which the trainer computes once for its gradient norms.
 * Returns the clipped gradients (new tensors; the caller disposes the old).
 */
export function clipGradTensors(
  grads: readonly (Tensor | null)[],
  sumSquares: readonly (Tensor | null)[],
  clip: { maxNorm?: number; normType?: number; value?: number },
): (Tensor | null)[] {
  let out = [...grads];
  if (clip.maxNorm !== undefined) {
    const present = out.filter((g): g is Tensor => g !== null);
    if (present.length === 0) return out;
    const backend = present[0].backend;
    const total = totalNormTensor(present, sumSquares, clip.normType ?? 2);
    // min(max_norm / (total + 1e-6), 1) as −max(−x, −1): the registry has maximum, not minimum
    const ratio = div(scalar(clip.maxNorm, backend), add(total, scalar(1e-6, backend)));
    const coef = neg(run('maximum', [neg(ratio), scalar(-1, backend)]));
    out = out.map((g) => (g ? mul(g, coef) : null));
  }
  if (clip.value !== undefined) {
    const v = clip.value;
    out = out.map((g) => {
      if (!g) return null;
      const low = scalar(-v, g.backend);
      // clamp(g, −v, v) = max(−max(−g, −v), −v)
      return run('maximum', [neg(run('maximum', [neg(g), low])), low]);
    });
  }
  return out;
}

function totalNormTensor(grads: Tensor[], sumSquares: readonly (Tensor | null)[], normType: number): Tensor {
  if (!(normType > 0))
    throw new AttrError('clip_grad_norm', 'norm_type', `must be > 0 or Infinity, got ${normType}`);
  const backend = grads[0].backend;
  const flat = (x: Tensor) => run('reshape', [x], { shape: [x.size] });
  if (normType === Infinity)
    return run('max', [
      run(
        'concat',
        grads.map((g) => flat(run('abs', [g]))),
      ),
    ]);
  if (normType === 2) {
    const squares = sumSquares.filter((s): s is Tensor => s !== null);
    return run('sqrt', [run('sum', [run('stack', squares)])]);
  }
  const p = scalar(normType, backend);
  const powered = grads.map((g) => run('sum', [run('pow', [run('abs', [g]), p])]));
  return run('pow', [run('sum', [run('stack', powered)]), scalar(1 / normType, backend)]);
}
