import { scalarLike } from '../create.ts';
import { mul, sub } from '../functional.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

/** σ(x) without overflow: exp is only ever taken of a non-positive number. */
export function stableSigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

export const sigmoid: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'sigmoid',
  f: stableSigmoid,
  vjp: ({ outputs: [y] }, dy) => mul(dy, mul(y, sub(scalarLike(1, y), y))),
  formula: 'dX = dY·Y·(1 − Y)',
});
