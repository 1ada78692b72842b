import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { p } from '../params.ts';
import { normalizeDimIndex } from '../shapes.ts';

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
    if (params.dim === null) return [{ dtype: x.dtype, dims: params.keepdim ? x.dims.map(() => 1) : [] }];
    const dim = normalizeDimIndex(params.dim, x.dims.length);
    if (typeof dim !== 'number') return [{ ...dim, message: `Sum: ${dim.message}`, port: 'input' }];
    if (x.dims.length === 0) return [{ dtype: x.dtype, dims: [] }];
    const dims = params.keepdim
      ? x.dims.map((d, i) => (i === dim ? 1 : d))
      : x.dims.filter((_, i) => i !== dim);
    return [{ dtype: x.dtype, dims }];
  },
  lower: (b, [x], params) => b.op('sum', [x], { dim: params.dim, keepdim: params.keepdim }),
  paramCount: () => 0,
  flops: ([x]) => (x ? x.dims.reduce<number>((n, d) => n * (typeof d === 'number' ? d : 0), 1) : 0),
});
