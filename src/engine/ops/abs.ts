import { run } from '../dispatch.ts';
import { mul } from '../functional.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

export const abs: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'abs',
  f: Math.abs,
  // PyTorch uses sgn(x): the gradient at 0 is 0
  vjp: ({ inputs: [x] }, dy) => mul(dy, run('sign', [x!])),
  formula: 'dX = dY·sign(X)',
});
