import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';

/** nn.Identity: passes its input through (a placeholder, or one input fanned out inside a composite). */
export const Identity = declareNode({
  type: 'Identity',
  group: 'layers',
  aliases: ['identity', 'passthrough', 'skip', 'nn.Identity'],
  doc: 'Passes its input through unchanged: a placeholder layer, or the point where a block’s input fans out.',
  formula: 'y = x',
  params: {},
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer: ([x]) =>
    x
      ? [{ dtype: x.dtype, dims: [...x.dims] }]
      : fail('missing_input', 'Identity needs an input', { port: 'input' }),
  // a reshape to its own shape: the same values, and one recorded step for the backward stepper
  lower: (b, [x], _params, shapes) => b.op('reshape', [x], { shape: shapes.outputs[0] }),
  paramCount: () => 0,
  flops: () => 0,
});
