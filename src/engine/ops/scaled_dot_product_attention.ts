import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { matmul } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { broadcastShapes, sameShape } from '../shape.ts';
import { floatTypeOf, isFloat, type Shape } from '../tensor.ts';
import { attentionWeights } from './_attention.ts';

export interface ScaledDotProductAttentionAttrs {
  causal: boolean;
  /** null means 1/√d, d = q's last dim */
  scale: number | null;
}

const list = (s: Shape) => `[${s.join(', ')}]`;

/**
 * out = softmax(q·kᵀ·scale + mask)·v over the keys (F.scaled_dot_product_attention's math
 * path). Composite: the matmuls and the softmax carry the gradient.
 */
export const scaled_dot_product_attention: OpDef<ScaledDotProductAttentionAttrs> =
  defineOp<ScaledDotProductAttentionAttrs>({
    name: 'scaled_dot_product_attention',
    kind: 'attention',
    inputs: [{ name: 'q' }, { name: 'k' }, { name: 'v' }, { name: 'mask', optional: true, noGrad: true }],
    defaults: { causal: false, scale: null },
    shape([q, k, v, mask], { causal, scale }) {
      const op = 'scaled_dot_product_attention';
      const metas = [q, k, v, mask];
      const bad = metas.findIndex((m) => m && !isFloat(m.dtype));
      if (bad >= 0) {
        const what =
          bad === 3
            ? 'mask must be an additive float32 or float64 mask'
            : 'expected float32 or float64 q, k and v';
        return new DTypeError(op, `${what}, got ${metas[bad]!.dtype}`, bad);
      }
      if (typeof causal !== 'boolean') return new AttrError(op, 'causal', `must be a boolean, got ${causal}`);
      if (scale !== null && !Number.isFinite(scale))
        return new AttrError(op, 'scale', `must be null or a number, got ${scale}`);
      const low = [q, k, v].findIndex((m) => m!.shape.length < 2);
      if (low >= 0) {
        return new ShapeError(
          op,
          `${op}: ${'qkv'[low]} must be at least 2-D [..., L, d], got ${list(metas[low]!.shape)}`,
          [{ input: low, dim: 0 }],
        );
      }
      const [qs, ks, vs] = [q!.shape, k!.shape, v!.shape];
      const last = (s: Shape, i = 1) => s[s.length - i];
      if (last(qs) !== last(ks)) {
        return new ShapeError(
          op,
          `${op}: q and k must have the same feature size, got q ${list(qs)} and k ${list(ks)}`,
          [
            { input: 0, dim: qs.length - 1 },
            { input: 1, dim: ks.length - 1 },
          ],
        );
      }
      if (last(ks, 2) !== last(vs, 2)) {
        return new ShapeError(
          op,
          `${op}: k and v must have the same number of keys, got k ${list(ks)} and v ${list(vs)}`,
          [
            { input: 1, dim: ks.length - 2 },
            { input: 2, dim: vs.length - 2 },
          ],
        );
      }
      let batch = broadcastShapes(qs.slice(0, -2), ks.slice(0, -2), op);
      if (!(batch instanceof Error)) batch = broadcastShapes(batch, vs.slice(0, -2), op);
      if (batch instanceof Error) return batch;
      const scores = [...batch, last(qs, 2), last(ks, 2)];
      if (mask) {
        const masked = broadcastShapes(scores, mask.shape, op);
        if (masked instanceof Error || !sameShape(masked, scores)) {
          return new ShapeError(
            op,
            `${op}: mask ${list(mask.shape)} does not broadcast to the scores ${list(scores)}`,
            [{ input: 3, dim: 0 }],
          );
        }
      }
      return out([...batch, last(qs, 2), last(vs)], floatTypeOf(...metas));
    },
    composite([q, k, v, mask], { causal, scale }) {
      const d = q!.shape[q!.rank - 1];
      const weights = attentionWeights(q!, k!, { scale: scale ?? 1 / Math.sqrt(d), mask, causal });
      return [matmul(weights, v!)];
    },
    formula:
      'out = softmax(Q·Kᵀ·s + M)·V: dV = Pᵀ·dY, dP = dY·Vᵀ, dS = P⊙(dP − Σ dP⊙P), dQ = s·dS·K, dK = s·dSᵀ·Q',
  });
