/**
 * The exponential and the natural log, elementwise: the pieces of softmax and log-sum-exp
 * written out by hand. In float32, exp overflows to +∞ above ≈ 88.7 and log(0) is −∞ —
 * which is what the log-sum-exp exercise shows.
 */
import { type AnyNodeDef, tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';

function pointwise(
  type: string,
  op: string,
  o: { aliases: string[]; doc: string; formula: string },
): AnyNodeDef {
  return declareNode({
    type,
    group: 'math',
    aliases: o.aliases,
    doc: o.doc,
    formula: o.formula,
    params: {},
    inputs: [tensorPort('input')],
    outputs: [tensorPort('output')],
    infer: ([x]) =>
      x
        ? [{ dtype: 'float32', dims: [...x.dims] }]
        : fail('missing_input', `${type} needs an input`, { port: 'input' }),
    lower: (b, [x]) => b.op(op, [x]),
    paramCount: () => 0,
    flops: ([x]) => (x ? numel(x.dims) : 0),
  });
}

export const Exp = pointwise('Exp', 'exp', {
  aliases: ['exponential', 'eˣ', 'torch.exp'],
  doc: 'eˣ elementwise. In float32 it overflows to +∞ for x above about 88.7.',
  formula: 'y = eˣ',
});

export const Log = pointwise('Log', 'log', {
  aliases: ['ln', 'natural log', 'logarithm', 'torch.log'],
  doc: 'The natural log elementwise: −∞ at 0, NaN below 0, +∞ at +∞.',
  formula: 'y = ln x',
});
