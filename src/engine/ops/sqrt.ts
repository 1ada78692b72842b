import { scalarLike } from '../create.ts';
import { div, mul } from '../functional.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

export const sqrt: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'sqrt',
  f: Math.sqrt,
  // PyTorch: grad / (2·result), so x = 0 gives ±∞ and x < 0 gives NaN
  vjp: ({ outputs: [y] }, dy) => div(dy, mul(y, scalarLike(2, y))),
  formula: 'dX = dY / (2·√X)',
});
