import { tensorPort } from '../define.ts';
import { additivePadding, paddingMaskIssue } from '../kit/attention.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { fanInUniform } from '../kit/init.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';
import type { TensorType } from '../types.ts';

/** D2L's AdditiveAttention (Bahdanau): a one-hidden-layer MLP scores each query–key pair. */
export const AdditiveAttention = declareNode({
  type: 'AdditiveAttention',
  group: 'layers',
  aliases: ['bahdanau attention', 'additive attention', 'mlp attention'],
  doc: 'Scores each query–key pair with a small tanh network (queries and keys may differ in size), then averages the values by the softmax of the scores. Keys marked 1 in key_padding_mask are ignored.',
  formula: 'a(q, k) = w_vᵀ·tanh(W_q q + W_k k);  y = softmax(a)·v',
  params: {
    query_size: p.int({ default: 20, min: 1 }),
    key_size: p.int({ default: 2, min: 1 }),
    num_hiddens: p.int({ default: 8, min: 1 }),
  },
  inputs: [
    tensorPort('queries', { doc: '[B, Q, query_size]' }),
    tensorPort('keys', { doc: '[B, K, key_size]' }),
    tensorPort('values', { doc: '[B, K, dv]' }),
    tensorPort('key_padding_mask', { optional: true, doc: '[B, K]: 1 where a key is padding' }),
  ],
  outputs: [
    tensorPort('output', { doc: '[B, Q, dv]' }),
    tensorPort('attention_weights', { doc: '[B, Q, K]' }),
  ],
  infer([q, k, v, mask], params, ctx) {
    if (!q || !k || !v)
      return fail('missing_input', 'AdditiveAttention needs queries, keys and values', {
        port: !q ? 'queries' : !k ? 'keys' : 'values',
      });
    for (const [name, t] of [
      ['queries', q],
      ['keys', k],
      ['values', v],
    ] as [string, TensorType][]) {
      if (t.dims.length !== 3)
        return fail(
          'rank',
          `AdditiveAttention expects 3-D ${name} [B, L, features], got ${formatDims(t.dims)}`,
          { port: name },
        );
    }
    const sizeIssue = (t: TensorType, want: number, param: string, port: string) =>
      ctx.unify(t.dims[2], want)
        ? []
        : fail(
            param,
            `mat1 and mat2 shapes cannot be multiplied (${t.dims[0]}x${t.dims[2]} and ${want}x${params.num_hiddens})`,
            {
              port,
              fixes: [
                {
                  label: `Set ${param} to ${t.dims[2]}`,
                  intents: [{ kind: 'setParam', param, value: t.dims[2] }],
                },
              ],
            },
          );
    const bad = [
      ...sizeIssue(q, params.query_size, 'query_size', 'queries'),
      ...sizeIssue(k, params.key_size, 'key_size', 'keys'),
    ];
    if (bad.length) return bad;
    if (!ctx.unify(q.dims[0], k.dims[0]) || !ctx.unify(k.dims[0], v.dims[0])) {
      return fail(
        'batch',
        `queries, keys and values must share the batch size, got ${formatDims(q.dims)}, ${formatDims(k.dims)}, ${formatDims(v.dims)}`,
        { port: 'keys' },
      );
    }
    if (!ctx.unify(k.dims[1], v.dims[1])) {
      return fail('keys', `keys and values must pair up, got ${k.dims[1]} keys and ${v.dims[1]} values`, {
        port: 'values',
      });
    }
    if (mask) {
      const issue = paddingMaskIssue(mask, q.dims[0], k.dims[1], ctx.unify);
      if (issue.length) return issue;
    }
    return [
      { dtype: 'float32', dims: [q.dims[0], q.dims[1], v.dims[2]] },
      { dtype: 'float32', dims: [q.dims[0], q.dims[1], k.dims[1]] },
    ];
  },
  lower(b, [q, k, v, mask], params, shapes) {
    const h = params.num_hiddens;
    const [B, Q, K] = shapes.outputs[1];
    const wq = b.param('W_q.weight', [h, params.query_size], fanInUniform(params.query_size));
    const wk = b.param('W_k.weight', [h, params.key_size], fanInUniform(params.key_size));
    const wv = b.param('w_v.weight', [1, h], fanInUniform(h));
    const [qh] = b.op('reshape', b.op('linear', [q, wq]), { shape: [B, Q, 1, h] });
    const [kh] = b.op('reshape', b.op('linear', [k, wk]), { shape: [B, 1, K, h] });
    // every query–key pair: [B, Q, K, h]
    const [features] = b.op('tanh', b.op('add', [qh, kh]));
    let [scores] = b.op('reshape', b.op('linear', [features, wv]), { shape: [B, Q, K] });
    if (mask) [scores] = b.op('add', [scores, additivePadding(b, mask, [B, 1, K])]);
    const [weights] = b.op('softmax', [scores], { dim: -1 });
    const [y] = b.op('matmul', [weights, v]);
    return [y, weights];
  },
  paramCount: (_inputs, params) => params.num_hiddens * (params.query_size + params.key_size + 1),
  flops([q, k, v], params) {
    if (!q || !k || !v) return 0;
    const pairs = numel([q.dims[0], q.dims[1], k.dims[1]]);
    return (
      numel(q.dims) * params.num_hiddens +
      numel(k.dims) * params.num_hiddens +
      pairs * params.num_hiddens +
      pairs * numel(v.dims.slice(2))
    );
  },
});
