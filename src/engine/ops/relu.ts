import { run } from '../dispatch.ts';
import { mul } from '../functional.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

export const relu: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'relu',
  // Math.max keeps a NaN, as torch.relu does
  f: (v) => Math.max(v, 0),
  vjp: ({ outputs: [y] }, dy) => mul(dy, run('positive_mask', [y])),
  formula: 'dX = dY·[X > 0]',
});
