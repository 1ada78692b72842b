import type { AffineLayout } from '../backends/cpu/norm.ts';
import { runAll } from '../dispatch.ts';
import { reshape } from '../functional.ts';
import type { Shape, Tensor } from '../tensor.ts';

/**
 * The gradients of batch_norm (training), layer_norm and group_norm through the fused
 * norm_backward op, reshaped back to the operands' shapes. `view` is the [P, Q, R] view of x
 * the op normalises (statistics per q); the statistics are recomputed there, which is
 * cheaper than keeping them on the tape.
 */
export function normGradients(
  x: Tensor,
  dy: Tensor,
  weight: Tensor | null | undefined,
  view: Shape,
  affine: AffineLayout,
  eps: number,
): { dx: Tensor; dweight: Tensor; dbias: Tensor } {
  const flatWeight = weight ? reshape(weight, [weight.size]) : null;
  const [dx, dweight, dbias] = runAll(
    'norm_backward',
    [reshape(x, [...view]), reshape(dy, [...view]), flatWeight],
    {
      eps,
      ...affine,
    },
  );
  return { dx: reshape(dx, [...x.shape]), dweight, dbias };
}
