import { mul } from '../functional.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

export const exp: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'exp',
  f: Math.exp,
  vjp: ({ outputs: [y] }, dy) => mul(dy, y),
  formula: 'dX = dY·exp(X) = dY·Y',
});
