import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';

/** nn.LayerNorm over the trailing dims given by normalized_shape. */
export const LayerNorm = declareNode({
  type: 'LayerNorm',
  group: 'layers',
  aliases: ['layernorm', 'ln', 'layer normalization', 'nn.LayerNorm'],
  doc: 'Normalises each sample over its last dims (normalized_shape) to zero mean and unit variance, then scales by γ and shifts by β.',
  formula: 'y = γ·(x − mean)/√(var + ε) + β  over the last len(normalized_shape) dims',
  params: {
    normalized_shape: p.dims({
      default: [32],
      doc: 'the trailing dims to normalise over (sizes or symbols)',
    }),
    eps: p.float({ default: 1e-5, min: 0, exclusiveMin: true }),
    elementwise_affine: p.bool({ default: true, doc: 'learn γ and β of normalized_shape' }),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params, ctx) {
    if (!x) return fail('missing_input', 'LayerNorm needs an input', { port: 'input' });
    const shape = params.normalized_shape.map((d) => ctx.resolve(d));
    if (shape.length === 0)
      return fail('invalid_param', 'LayerNorm: normalized_shape must name at least 1 dim, got []');
    const tail = x.dims.slice(x.dims.length - shape.length);
    if (x.dims.length < shape.length || !shape.every((d, i) => ctx.unify(tail[i], d))) {
      const given = formatDims(shape);
      return fail(
        'normalized_shape',
        `Given normalized_shape=${given}, expected input with shape [*, ${shape.join(', ')}], but got input of size${formatDims(x.dims)}`,
        {
          port: 'input',
          fixes:
            x.dims.length >= shape.length
              ? [
                  {
                    label: `Set normalized_shape to ${formatDims(tail)}`,
                    intents: [{ kind: 'setParam', param: 'normalized_shape', value: tail }],
                  },
                ]
              : [],
        },
      );
    }
    return [{ dtype: 'float32', dims: [...x.dims] }];
  },
  lower(b, [x], params, shapes) {
    const input = shapes.inputs[0] ?? [];
    const shape = input.slice(input.length - params.normalized_shape.length);
    const weight = params.elementwise_affine ? b.param('weight', shape, { kind: 'ones' }) : null;
    const bias = params.elementwise_affine ? b.param('bias', shape, { kind: 'zeros' }) : null;
    return b.op('layer_norm', [x, weight, bias], { normalized_shape: shape, eps: params.eps });
  },
  paramCount([x], params) {
    if (!params.elementwise_affine) return 0;
    const shape = x ? x.dims.slice(x.dims.length - params.normalized_shape.length) : params.normalized_shape;
    return 2 * numel(shape);
  },
  flops: ([x]) => (x ? 5 * numel(x.dims) : 0),
});
