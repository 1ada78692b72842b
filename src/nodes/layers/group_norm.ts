import { tensorPort } from '../define.ts';
import { declareNode, fail, rangeIssue } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';

/** nn.GroupNorm: channels split into groups, each normalised per sample. */
export const GroupNorm = declareNode({
  type: 'GroupNorm',
  group: 'layers',
  aliases: ['groupnorm', 'gn', 'group normalization', 'nn.GroupNorm'],
  doc: 'Splits the C channels into num_groups groups and normalises each group of each sample, then scales and shifts per channel.',
  formula: 'y = γ_c·(x − mean_g)/√(var_g + ε) + β_c  (mean, var over the group’s channels and space)',
  params: {
    num_groups: p.int({ default: 2, min: 1 }),
    num_channels: p.int({ default: 16, min: 1 }),
    eps: p.float({ default: 1e-5, min: 0, exclusiveMin: true }),
    affine: p.bool({ default: true }),
  },
  inputs: [tensorPort('input', { doc: '[N, C, *]' })],
  outputs: [tensorPort('output')],
  infer([x], params, ctx) {
    if (!x) return fail('missing_input', 'GroupNorm needs an input', { port: 'input' });
    if (params.num_channels % params.num_groups !== 0) {
      return rangeIssue(
        'GroupNorm',
        'num_groups',
        `a divisor of num_channels=${params.num_channels}`,
        params.num_groups,
        'num_channels must be divisible by num_groups',
      );
    }
    if (x.dims.length < 2)
      return fail('rank', `GroupNorm expects an input [N, C, *], got ${x.dims.length}D`, { port: 'input' });
    const c = x.dims[1];
    if (!ctx.unify(c, params.num_channels)) {
      return fail(
        'num_channels',
        `Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [${params.num_channels}] and input of shape [${x.dims.join(', ')}]`,
        {
          port: 'input',
          explanation: `GroupNorm(num_channels=${params.num_channels}) normalises dim 1, which holds ${c} channels.`,
          fixes: [
            {
              label: `Set num_channels to ${c}`,
              intents: [{ kind: 'setParam', param: 'num_channels', value: c }],
            },
          ],
        },
      );
    }
    return [{ dtype: 'float32', dims: [...x.dims] }];
  },
  lower(b, [x], params) {
    const c = params.num_channels;
    const weight = params.affine ? b.param('weight', [c], { kind: 'ones' }) : null;
    const bias = params.affine ? b.param('bias', [c], { kind: 'zeros' }) : null;
    return b.op('group_norm', [x, weight, bias], { num_groups: params.num_groups, eps: params.eps });
  },
  paramCount: (_inputs, params) => (params.affine ? 2 * params.num_channels : 0),
  flops: ([x]) => (x ? 5 * numel(x.dims) : 0),
});
