import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { p } from '../params.ts';
import { numel } from '../kit/dims.ts';
import { reducedType } from './reduce.ts';

/** torch.sum: over every element (a scalar), or over one dim. */
export const Sum = declareNode({
  type: 'Sum',
  group: 'math',
  aliases: ['reduce_sum', 'total', 'Σ', 'torch.sum'],
  doc: 'Adds up the elements: all of them (a scalar you can step back from), or along one dim.',
  formula: 'y = Σ x',
  params: {
    dim: p.int({ default: null, nullable: true, doc: 'the dim summed over; null sums everything' }),
    keepdim: p.bool({ default: false, doc: 'keep the summed dim with size 1' }),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params) {
    if (!x) return fail('missing_input', 'Sum needs an input', { port: 'input' });
    return reducedType('Sum', x, params.dim, params.keepdim);
  },
  lower: (b, [x], params) => b.op('sum', [x], { dim: params.dim, keepdim: params.keepdim }),
  paramCount: () => 0,
  flops: ([x]) => (x ? numel(x.dims) : 0),
});
