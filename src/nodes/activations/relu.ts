import { defineNode, shapeError, tensorPort } from '../define.ts';

/** nn.ReLU: max(x, 0) elementwise. */
export const ReLU = defineNode({
  type: 'ReLU',
  group: 'activations',
  aliases: ['relu', 'rectifier', 'nn.ReLU'],
  doc: 'Keeps positive values and sets negative ones to zero.',
  formula: 'y = max(x, 0)',
  params: {},
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer: ([x]) =>
    x ? [{ dtype: x.dtype, dims: [...x.dims] }] : shapeError('missing_input', 'ReLU needs an input'),
  lower: (b, [x]) => b.op('relu', [x]),
  paramCount: () => 0,
  flops: ([x]) => (x ? x.dims.reduce<number>((n, d) => n * (typeof d === 'number' ? d : 0), 1) : 0),
});
