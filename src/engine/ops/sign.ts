import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

/** −1, 0 or 1 (NaN stays NaN), like torch.sign. Its derivative is zero wherever it exists. */
export const sign: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'sign',
  f: (v) => (v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : v),
  vjp: () => null,
  formula: 'dX = 0',
});
