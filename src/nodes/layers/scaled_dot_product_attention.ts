import { tensorPort } from '../define.ts';
import { additivePadding, MASK_MODES, paddingMaskIssue } from '../kit/attention.ts';
import { declareNode, engineShapes, fail, isIssues } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { broadcastDims, formatDims } from '../shapes.ts';

/** softmax(q·kᵀ·scale + mask)·v, F.scaled_dot_product_attention's math. */
export const ScaledDotProductAttention = declareNode({
  type: 'ScaledDotProductAttention',
  group: 'layers',
  aliases: ['attention', 'sdpa', 'dot-product attention', 'F.scaled_dot_product_attention'],
  doc: 'Each query takes a softmax-weighted average of the values, weighted by its scaled dot product with each key. Masks: causal (no looking ahead) or padding (ignore padded keys).',
  formula: 'y = softmax(q·kᵀ/√d + M)·v',
  params: {
    mask: p.enum(MASK_MODES, {
      default: 'none',
      doc: 'causal: key j > query i is hidden; padding: keys marked 1 in key_padding_mask are hidden',
    }),
    scale: p.float({ default: null, nullable: true, min: 0, exclusiveMin: true, doc: 'null: 1/√d' }),
  },
  inputs: [
    tensorPort('q', { doc: '[…, Lq, d]' }),
    tensorPort('k', { doc: '[…, Lk, d]' }),
    tensorPort('v', { doc: '[…, Lk, dv]' }),
    tensorPort('key_padding_mask', {
      optional: true,
      doc: '[B, Lk]: 1 where a key is padding (mask: padding)',
    }),
  ],
  outputs: [tensorPort('output', { doc: '[…, Lq, dv]' })],
  infer([q, k, v, mask], params, ctx) {
    if (!q || !k || !v)
      return fail('missing_input', 'ScaledDotProductAttention needs q, k and v', {
        port: !q ? 'q' : !k ? 'k' : 'v',
      });
    for (const [name, t] of [
      ['q', q],
      ['k', k],
      ['v', v],
    ] as const) {
      if (t.dims.length < 2)
        return fail(
          'rank',
          `scaled_dot_product_attention: ${name} must be at least 2-D [..., L, d], got ${formatDims(t.dims)}`,
          { port: name },
        );
    }
    const last = (d: typeof q.dims, i = 1) => d[d.length - i];
    if (!ctx.unify(last(q.dims), last(k.dims))) {
      return fail(
        'feature_size',
        `scaled_dot_product_attention: q and k must have the same feature size, got q ${formatDims(q.dims)} and k ${formatDims(k.dims)}`,
        { port: 'k' },
      );
    }
    if (!ctx.unify(last(k.dims, 2), last(v.dims, 2))) {
      return fail(
        'keys',
        `scaled_dot_product_attention: k and v must have the same number of keys, got k ${formatDims(k.dims)} and v ${formatDims(v.dims)}`,
        { port: 'v' },
      );
    }
    let batch = broadcastDims(q.dims.slice(0, -2), k.dims.slice(0, -2), ctx);
    if (Array.isArray(batch)) batch = broadcastDims(batch, v.dims.slice(0, -2), ctx);
    if (!Array.isArray(batch)) return [{ ...batch, port: 'k' }];
    if (params.mask === 'padding') {
      const issue = paddingMaskIssue(mask, batch.length ? batch[0] : null, last(k.dims, 2), ctx.unify);
      if (issue.length) return issue;
    }
    const checked = engineShapes('scaled_dot_product_attention', [q, k, v], {
      causal: params.mask === 'causal',
      scale: params.scale,
    });
    if (isIssues(checked)) return checked;
    return [{ dtype: 'float32', dims: [...batch, last(q.dims, 2), last(v.dims)] }];
  },
  lower(b, [q, k, v, mask], params, shapes) {
    const keys = shapes.inputs[1] ?? [];
    const rank = shapes.outputs[0].length;
    const lk = keys[keys.length - 2];
    // [B, Lk] → [B, 1, …, 1, Lk]: the same mask row for every query (and head)
    const maskShape =
      rank === 2 ? [1, lk] : [shapes.outputs[0][0], ...new Array<number>(rank - 2).fill(1), lk];
    const additive = params.mask === 'padding' && mask ? additivePadding(b, mask, maskShape) : null;
    return b.op('scaled_dot_product_attention', [q, k, v, additive], {
      causal: params.mask === 'causal',
      scale: params.scale,
    });
  },
  paramCount: () => 0,
  flops([q, _k, v]) {
    if (!q || !v) return 0;
    const lk = v.dims[v.dims.length - 2];
    // q·kᵀ and weights·v
    return numel(q.dims) * numel([lk]) + numel(q.dims.slice(0, -1)) * numel([lk]) * numel(v.dims.slice(-1));
  },
});
