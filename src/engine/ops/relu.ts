import { run } from '../dispatch.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryBackwardOp, unaryOp } from './_unary.ts';

export const relu: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'relu',
  // Math.max keeps a NaN, as torch.relu does
  f: (v) => Math.max(v, 0),
  vjp: ({ outputs: [y] }, dy) => run('relu_backward', [dy, y]),
  formula: 'dX = dY·[X > 0]',
});

/**
 * relu's gradient in one pass, from its output y: dY where y > 0, else 0 — a select, as
 * PyTorch's threshold_backward, so an infinite dY stops at the gate instead of becoming NaN.
 * A NaN y passes dY through.
 */
export const relu_backward: OpDef<NoAttrs> = unaryBackwardOp<NoAttrs>(
  'relu_backward',
  (y) => (y <= 0 ? 0 : 1),
  'dX = dY·[Y > 0]',
  (g, open) => (open ? g : 0),
);
