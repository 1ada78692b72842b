import { run } from '../dispatch.ts';
import { mul } from '../functional.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

export const relu: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'relu',
  // written so that NaN stays NaN (Math.max would too, but this says it)
  f: (v) => (v <= 0 ? 0 : v),
  vjp: ({ outputs: [y] }, dy) => mul(dy, run('positive_mask', [y])),
  formula: 'dX = dY·[X > 0]',
});
