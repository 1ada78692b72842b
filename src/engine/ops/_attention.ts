import { scalar, tensor } from '../create.ts';
import { run } from '../dispatch.ts';
import { add, matmul, mul, transpose } from '../functional.ts';
import type { Tensor } from '../tensor.ts';

export interface AttentionOptions {
  /** multiplies q·kᵀ */
  scale: number;
  /** additive mask broadcast onto the scores (no gradient) */
  mask?: Tensor | null;
  /** hide key j from query i when j > i */
  causal: boolean;
}

/** [Lq, Lk] additive mask: 0 where key j ≤ query i, −∞ after (a constant, not on the tape). */
export function causalMask(Lq: number, Lk: number, like: Tensor): Tensor {
  const data = new Float32Array(Lq * Lk);
  for (let i = 0; i < Lq; i++) data.fill(Number.NEGATIVE_INFINITY, i * Lk + i + 1, (i + 1) * Lk);
  return tensor(data, [Lq, Lk], 'float32', like.backend);
}

/** softmax(q·kᵀ·scale + mask) over the keys: the weights both attention ops use. */
export function attentionWeights(q: Tensor, k: Tensor, { scale, mask, causal }: AttentionOptions): Tensor {
  let scores = mul(matmul(q, transpose(k, -2, -1)), scalar(scale, q.backend));
  if (mask) scores = add(scores, mask);
  if (causal) scores = add(scores, causalMask(q.shape[q.rank - 2], k.shape[k.rank - 2], q));
  return run('softmax', [scores], { dim: -1 });
}
