import { scalar } from '../create.ts';
import { runAll } from '../dispatch.ts';
import { mul, sub, sumTo } from '../functional.ts';
import type { Shape, Tensor } from '../tensor.ts';

/**
 * Gradient pieces shared by batch_norm, layer_norm and group_norm, written with registry ops
 * on the [P, Q, R] view the CPU kernels use (statistics per q, shape [1, Q, 1]).
 */
export interface NormalizedView {
  /** x̂ = (x − μ)·r on the view */
  xhat: Tensor;
  /** r = 1/√(σ² + eps), [1, Q, 1] */
  invstd: Tensor;
  /** elements per statistic */
  count: number;
}

/** Recompute the batch statistics of a [P, Q, R] view (cheaper than saving them on the tape). */
export function normalizeView(x3: Tensor, eps: number): NormalizedView {
  const [mean, invstd] = runAll('norm_moments', [x3], { eps });
  return { xhat: mul(sub(x3, mean), invstd), invstd, count: x3.shape[0] * x3.shape[2] };
}

/**
 * dx when x was normalised by its own statistics, given g = dy·γ on the view:
 * dx = r·(g − mean(g) − x̂·mean(g·x̂)), means over p and r.
 */
export function normInputGrad(g3: Tensor, { xhat, invstd, count }: NormalizedView): Tensor {
  const statShape: Shape = [1, xhat.shape[1], 1];
  const perCount = scalar(1 / count, xhat.backend);
  const meanG = mul(sumTo(g3, statShape), perCount);
  const meanGX = mul(sumTo(mul(g3, xhat), statShape), perCount);
  return mul(sub(sub(g3, meanG), mul(xhat, meanGX)), invstd);
}
