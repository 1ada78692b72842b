import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';

/** nn.Dropout (inverted dropout). */
export const Dropout = declareNode({
  type: 'Dropout',
  group: 'layers',
  aliases: ['dropout', 'regularization', 'nn.Dropout'],
  doc: 'In training, zeroes each value with probability p and scales the rest by 1/(1 − p); in eval mode passes values through.',
  formula: 'y = x·m/(1 − p),  m ~ Bernoulli(1 − p)  (eval: y = x)',
  params: {
    p: p.float({ default: 0.5, min: 0, max: 1, doc: 'probability of zeroing a value' }),
    mode: p.enum(['train', 'eval'], { default: 'train' }),
    seed: p.int({
      default: 0,
      min: 0,
      doc: 'the mask is a function of the seed: a step can be replayed exactly',
    }),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer: ([x]) =>
    x
      ? [{ dtype: x.dtype, dims: [...x.dims] }]
      : fail('missing_input', 'Dropout needs an input', { port: 'input' }),
  lower: (b, [x], params) =>
    b.op('dropout', [x], { p: params.p, training: params.mode === 'train', seed: params.seed }),
  paramCount: () => 0,
  flops: ([x]) => (x ? numel(x.dims) : 0),
});
