import { div } from '../functional.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

/** Natural log; log(0) = −∞ and log of a negative number is NaN, as in PyTorch. */
export const log: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'log',
  f: Math.log,
  vjp: ({ inputs: [x] }, dy) => div(dy, x!),
  formula: 'dX = dY / X',
});
