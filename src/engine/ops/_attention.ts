import { scalarLike, tensor } from '../create.ts';
import { run } from '../dispatch.ts';
import { add, matmul, mul, transpose } from '../functional.ts';
import { allocFloat, type Tensor } from '../tensor.ts';

export interface AttentionOptions {
  /** multiplies q·kᵀ */
  scale: number;
  /** additive mask broadcast onto the scores (no gradient) */
  mask?: Tensor | null;
  /** hide key j from query i when j > i */
  causal: boolean;
}

/**
 * What a causally masked score gets added instead of −∞: softmax still gives it exactly 0,
 * while WGSL lets a GPU assume no infinities appear in a shader. Far below any real score,
 * and finite even when added to a user mask of −1e30 or float32's lowest.
 */
export const MASKED = -1e30;

/**
 * [Lq, Lk] additive mask: 0 where key j ≤ query i, MASKED after (a constant, not on the tape),
 * of `like`'s dtype and backend.
 */
export function causalMask(Lq: number, Lk: number, like: Tensor): Tensor {
  const data = allocFloat(like.dtype, Lq * Lk);
  for (let i = 0; i < Lq; i++) data.fill(MASKED, i * Lk + i + 1, (i + 1) * Lk);
  return tensor(data, [Lq, Lk], like.dtype, like.backend);
}

/** softmax(q·kᵀ·scale + mask) over the keys: the weights both attention ops use. */
export function attentionWeights(q: Tensor, k: Tensor, { scale, mask, causal }: AttentionOptions): Tensor {
  let scores = mul(matmul(q, transpose(k, -2, -1)), scalarLike(scale, q));
  if (mask) scores = add(scores, mask);
  if (causal) scores = add(scores, causalMask(q.shape[q.rank - 2], k.shape[k.rank - 2], q));
  return run('softmax', [scores], { dim: -1 });
}
