import { xavierUniformSpec } from '../../engine/init.ts';
import { tensorPort } from '../define.ts';
import { additivePadding, MASK_MODES, paddingMaskIssue } from '../kit/attention.ts';
import { declareNode, fail, rangeIssue } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { fanInUniform } from '../kit/init.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';
import type { TensorType } from '../types.ts';

/** nn.MultiheadAttention (dropout 0): project, attend per head, join the heads, project out. */
export const MultiHeadAttention = declareNode({
  type: 'MultiHeadAttention',
  group: 'layers',
  aliases: ['MultiheadAttention', 'mha', 'self-attention', 'multi-head attention', 'nn.MultiheadAttention'],
  doc: 'Projects query, key and value into num_heads heads of embed_dim/num_heads features, runs scaled dot-product attention in each, joins the heads and projects back. Unconnected key/value mean self-attention.',
  formula: 'headᵢ = softmax(QWᵢ^Q (KWᵢ^K)ᵀ/√(E/H))·VWᵢ^V;  y = [head₁ ‖ … ‖ head_H]·W^O + b^O',
  params: {
    embed_dim: p.int({ default: 32, min: 1, doc: 'E, the feature size of query, key and value' }),
    num_heads: p.int({ default: 4, min: 1, doc: 'H; must divide embed_dim' }),
    bias: p.bool({ default: true }),
    batch_first: p.bool({ default: false, doc: 'inputs as [B, L, E] instead of [L, B, E]' }),
    mask: p.enum(MASK_MODES, {
      default: 'none',
      doc: 'causal: position j > i is hidden; padding: keys marked 1 in key_padding_mask',
    }),
  },
  inputs: [
    tensorPort('query'),
    tensorPort('key', { optional: true, doc: 'unconnected: the query (self-attention)' }),
    tensorPort('value', { optional: true, doc: 'unconnected: the key' }),
    tensorPort('key_padding_mask', { optional: true, doc: '[B, S]: 1 where a key is padding' }),
  ],
  outputs: [tensorPort('output'), tensorPort('attn_weights', { doc: '[B, L, S], averaged over heads' })],
  infer([query, keyIn, valueIn, mask], params, ctx) {
    const { embed_dim: E, num_heads: H } = params;
    if (E % H !== 0)
      return rangeIssue(
        'MultiHeadAttention',
        'num_heads',
        `a divisor of embed_dim=${E}`,
        H,
        'embed_dim must be divisible by num_heads',
      );
    if (!query) return fail('missing_input', 'MultiHeadAttention needs a query', { port: 'query' });
    const key = keyIn ?? query;
    const value = valueIn ?? key;
    for (const [name, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as [string, TensorType][]) {
      if (t.dims.length !== 3) {
        return fail(
          'rank',
          `${name} should be batched 3D tensor but received ${t.dims.length}-D ${name} tensor`,
          { port: name },
        );
      }
      if (!ctx.unify(t.dims[2], E)) {
        return fail('embed_dim', `was expecting embedding dimension of ${E}, but got ${t.dims[2]}`, {
          port: name,
          fixes: [
            {
              label: `Set embed_dim to ${t.dims[2]}`,
              intents: [{ kind: 'setParam', param: 'embed_dim', value: t.dims[2] }],
            },
          ],
        });
      }
    }
    const split = (t: TensorType) =>
      params.batch_first ? { B: t.dims[0], L: t.dims[1] } : { B: t.dims[1], L: t.dims[0] };
    const q = split(query);
    const k = split(key);
    const v = split(value);
    if (!ctx.unify(q.B, k.B) || !ctx.unify(k.B, v.B)) {
      return fail(
        'batch',
        `query, key and value must have the same batch size, got ${formatDims(query.dims)}, ${formatDims(key.dims)} and ${formatDims(value.dims)}`,
        { port: 'key' },
      );
    }
    if (!ctx.unify(k.L, v.L)) {
      return fail(
        'keys',
        `key shape ${formatDims(key.dims)} does not match value shape ${formatDims(value.dims)}`,
        { port: 'value' },
      );
    }
    if (params.mask === 'causal' && !ctx.unify(q.L, k.L)) {
      return fail(
        'causal',
        `a causal mask needs as many keys as queries, got ${q.L} queries and ${k.L} keys`,
        { port: 'key' },
      );
    }
    if (params.mask === 'padding') {
      const issue = paddingMaskIssue(mask, q.B, k.L, ctx.unify);
      if (issue.length) return issue;
    }
    return [
      { dtype: 'float32', dims: [...query.dims] },
      { dtype: 'float32', dims: [q.B, q.L, k.L] },
    ];
  },
  lower(b, [query, keyIn, valueIn, mask], params, shapes) {
    const E = params.embed_dim;
    const H = params.num_heads;
    const batchFirst = (x: typeof query) =>
      params.batch_first ? x : b.op('transpose', [x], { dim0: 0, dim1: 1 })[0];
    const q = batchFirst(query);
    const k = keyIn ? batchFirst(keyIn) : q;
    const v = valueIn ? batchFirst(valueIn) : k;
    const inProj = b.param('in_proj_weight', [3 * E, E], {
      kind: 'uniform',
      bound: xavierUniformSpec([3 * E, E]).bound ?? 0,
    });
    const inBias = params.bias ? b.param('in_proj_bias', [3 * E], { kind: 'zeros' }) : null;
    const outProj = b.param('out_proj.weight', [E, E], fanInUniform(E));
    const outBias = params.bias ? b.param('out_proj.bias', [E], { kind: 'zeros' }) : null;
    let attnMask = null;
    if (params.mask === 'padding' && mask) {
      const [B, L] = [shapes.outputs[1][0], shapes.outputs[1][1]];
      const S = shapes.outputs[1][2];
      // [B, S] → [B, H, L, S] → [B·H, L, S], the layout of a 3-D attn_mask
      const rows = additivePadding(b, mask, [B, 1, 1, S]);
      const [spread] = b.op('add', [rows, b.constant(new Array<number>(H * L).fill(0), [1, H, L, 1])]);
      [attnMask] = b.op('reshape', [spread], { shape: [B * H, L, S] });
    }
    const [y, weights] = b.op('multi_head_attention', [q, k, v, inProj, inBias, outProj, outBias, attnMask], {
      num_heads: H,
      causal: params.mask === 'causal',
      bias: params.bias,
    });
    const [output] = params.batch_first ? [y] : b.op('transpose', [y], { dim0: 0, dim1: 1 });
    return [output, weights];
  },
  paramCount: (_inputs, params) =>
    4 * params.embed_dim * params.embed_dim + (params.bias ? 4 * params.embed_dim : 0),
  flops([query, key], params) {
    if (!query) return 0;
    const E = params.embed_dim;
    const tokens = numel(query.dims.slice(0, 2));
    const keys = numel((key ?? query).dims.slice(0, 2));
    const L = numel(query.dims.slice(params.batch_first ? 1 : 0, params.batch_first ? 2 : 1));
    // projections (q, out: per query; k, v: per key) and the two attention matmuls
    return 2 * tokens * E * E + 2 * keys * E * E + 2 * keys * L * E;
  },
});
