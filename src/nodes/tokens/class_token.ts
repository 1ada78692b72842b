/**
 * ViT's class token (D2L's `self.cls_token = nn.Parameter(torch.zeros(1, 1, d))`): one learned
 * d-vector put in front of every sequence, `torch.cat((cls_token.expand(N, -1, -1), X), 1)`.
 * After the encoder its row (x[:, 0], a Select node) is what the head classifies.
 */
import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { addDims, numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';

export const ClassToken = declareNode({
  type: 'ClassToken',
  group: 'layers',
  aliases: ['cls token', '[CLS]', 'class embedding', 'cls_token'],
  doc: 'Prepends one learned token (zeros at the start, as in D2L’s ViT) to every sequence of [N, T, d]: the output is [N, T + 1, d].',
  formula: 'y = concat([c; c; …; c], x) along T,  c ∈ ℝ^{1×1×d}',
  params: { embed_dim: p.int({ default: 512, min: 1, doc: 'd, the token size' }) },
  inputs: [tensorPort('input', { doc: 'tokens [N, T, d]' })],
  outputs: [tensorPort('output', { doc: '[N, T + 1, d], the class token first' })],
  infer([x], params, ctx) {
    if (!x) return fail('missing_input', 'ClassToken needs an input', { port: 'input' });
    if (x.dims.length !== 3)
      return fail('rank', `ClassToken expects tokens [N, T, d], got ${formatDims(x.dims)}`, {
        port: 'input',
      });
    const [n, t, d] = x.dims;
    if (!ctx.unify(d, params.embed_dim)) {
      return fail('embed_dim', `ClassToken(embed_dim=${params.embed_dim}) got tokens of size ${d}`, {
        port: 'input',
        fixes: [
          { label: `Set embed_dim to ${d}`, intents: [{ kind: 'setParam', param: 'embed_dim', value: d }] },
        ],
      });
    }
    return [{ dtype: 'float32', dims: [n, addDims(t, 1), d] }];
  },
  lower(b, [x], params, shapes) {
    const [n] = shapes.inputs[0] ?? [1];
    const token = b.param('cls_token', [1, 1, params.embed_dim], { kind: 'zeros' });
    const [tokens] = b.op('expand', [token], { shape: [n, 1, params.embed_dim] });
    return b.op('concat', [tokens, x], { dim: 1 });
  },
  paramCount: (_inputs, params) => params.embed_dim,
  flops: ([x]) => (x ? numel(x.dims) : 0),
});
