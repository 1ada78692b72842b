/** torch.amax: the largest value over every element or along one dim (the shift of a stable softmax). */
import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { normalizeDimIndex } from '../shapes.ts';
import { reducedType } from './reduce.ts';

export const Max = declareNode({
  type: 'Max',
  group: 'math',
  aliases: ['amax', 'torch.amax', 'reduce max', 'largest'],
  doc: 'The largest element: of the whole tensor, or along one dim (keepdim keeps it with size 1, ready to broadcast back). For the larger of two tensors use Maximum.',
  formula: 'y = max x',
  params: {
    dim: p.int({
      default: -1,
      nullable: true,
      doc: 'the dim reduced over; null takes the max of everything',
    }),
    keepdim: p.bool({ default: false, doc: 'keep the reduced dim with size 1' }),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params) {
    if (!x) return fail('missing_input', 'Max needs an input', { port: 'input' });
    const dim = params.dim === null ? null : normalizeDimIndex(params.dim, x.dims.length);
    if (typeof dim === 'number' && x.dims[dim] === 0)
      return fail('empty', `amax(): Expected reduction dim ${dim} to have non-zero size.`, { port: 'input' });
    return reducedType('Max', x, params.dim, params.keepdim);
  },
  lower: (b, [x], params) => b.op('max', [x], { dim: params.dim, keepdim: params.keepdim }),
  paramCount: () => 0,
  flops: ([x]) => (x ? numel(x.dims) : 0),
});
