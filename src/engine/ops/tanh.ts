import { scalarLike } from '../create.ts';
import { mul, sub } from '../functional.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

export const tanh: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'tanh',
  f: Math.tanh,
  vjp: ({ outputs: [y] }, dy) => mul(dy, sub(scalarLike(1, y), mul(y, y))),
  formula: 'dX = dY·(1 − Y²)',
});
