import { defineNode, shapeError, sizeOrZero, tensorPort } from '../define.ts';
import { fanInUniform, initParam, initStdParam, weightInit } from '../kit/init.ts';
import { p } from '../params.ts';
import { productOf } from '../shapes.ts';
import type { FixSuggestion } from '../types.ts';

/** nn.Linear: y = x·Wᵀ + b over the last dim. */
export const Linear = defineNode({
  type: 'Linear',
  group: 'layers',
  aliases: ['dense', 'fc', 'fully connected', 'nn.Linear'],
  doc: 'Applies y = x·Wᵀ + b to the last dim of its input.',
  formula: 'y = x·Wᵀ + b',
  params: {
    in_features: p.int({ default: 784, min: 1, doc: 'size of the input’s last dim' }),
    out_features: p.int({ default: 10, min: 1 }),
    bias: p.bool({ default: true }),
    init: initParam(),
    init_std: initStdParam(),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params, ctx) {
    if (!x) return shapeError('missing_input', 'Linear needs an input', { port: 'input' });
    if (x.dims.length === 0) {
      return shapeError('rank', 'Linear needs an input with at least 1 dim, got a 0-d scalar', {
        port: 'input',
      });
    }
    const last = x.dims[x.dims.length - 1];
    if (!ctx.unify(last, params.in_features)) {
      const rows = productOf(x.dims.slice(0, -1));
      const fixes: FixSuggestion[] = [
        {
          label: `Set in_features to ${last}`,
          intents: [{ kind: 'setParam', param: 'in_features', value: last }],
        },
      ];
      // [N, 1, 28, 28] into Linear(784): the features are spread over the trailing dims
      if (x.dims.length > 2 && productOf(x.dims.slice(1)) === params.in_features) {
        fixes.unshift({
          label: 'Insert Flatten before this Linear',
          intents: [
            {
              kind: 'insertBefore',
              port: 'input',
              nodeType: 'Flatten',
              params: { start_dim: 1, end_dim: -1 },
            },
          ],
        });
      }
      return shapeError(
        'in_features',
        `mat1 and mat2 shapes cannot be multiplied (${rows}x${last} and ${params.in_features}x${params.out_features})`,
        {
          port: 'input',
          explanation: `Linear(in_features=${params.in_features}) multiplies the input’s last dim by its weight, but the incoming last dim is ${last}.`,
          fixes,
        },
      );
    }
    return [{ dtype: 'float32', dims: [...x.dims.slice(0, -1), params.out_features] }];
  },
  lower(b, [x], params) {
    const fanIn = fanInUniform(params.in_features);
    const shape = [params.out_features, params.in_features];
    // the bias keeps PyTorch's default whatever the weight's init (as Conv1d and Embedding do)
    const weight = b.param('weight', shape, weightInit(params.init, shape, params.init_std, fanIn));
    const bias = params.bias ? b.param('bias', [params.out_features], fanIn) : null;
    return b.op('linear', [x, weight, bias]);
  },
  paramCount: (_inputs, params) =>
    params.in_features * params.out_features + (params.bias ? params.out_features : 0),
  flops: ([x], params) =>
    (x ? x.dims.slice(0, -1).reduce<number>((n, d) => n * sizeOrZero(d), 1) : 0) *
    params.in_features *
    params.out_features,
});
