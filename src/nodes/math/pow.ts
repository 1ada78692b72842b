import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';

/** torch.pow(x, p) with a constant exponent: Square is Pow with p = 2. */
export const Pow = declareNode({
  type: 'Pow',
  group: 'math',
  aliases: ['power', 'square', 'x²', '**', 'torch.pow'],
  doc: 'Raises every element to a constant power (exponent 2 squares). A negative base with a fractional exponent gives NaN.',
  formula: 'y = xᵖ',
  params: { exponent: p.float({ default: 2, doc: 'the power p' }) },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer: ([x]) =>
    x
      ? [{ dtype: 'float32', dims: [...x.dims] }]
      : fail('missing_input', 'Pow needs an input', { port: 'input' }),
  lower: (b, [x], params) => b.op('pow', [x], { exponent: params.exponent }),
  paramCount: () => 0,
  flops: ([x]) => (x ? numel(x.dims) : 0),
});
