import type { NoAttrs, OpDef } from '../op.ts';
import { unaryOp } from './_unary.ts';

/**
 * 1 where x > 0, 0 where x ≤ 0: the gate of relu's gradient. A NaN gives 1, so a NaN
 * gradient passes through as PyTorch's threshold_backward lets it.
 */
export const positive_mask: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'positive_mask',
  f: (v) => (v <= 0 ? 0 : 1),
  vjp: () => null,
  formula: 'dX = 0 (a mask)',
});
