import { run } from '../dispatch.ts';
import type { OpDef } from '../op.ts';
import { checkNumber, unaryBackwardOp, unaryOp } from './_unary.ts';

export interface LeakyReluAttrs {
  negative_slope: number;
}

export const leaky_relu: OpDef<LeakyReluAttrs> = unaryOp<LeakyReluAttrs>({
  name: 'leaky_relu',
  defaults: { negative_slope: 0.01 },
  f: (v, { negative_slope }) => (v > 0 ? v : v * negative_slope),
  check: ({ negative_slope }) => checkNumber('leaky_relu', 'negative_slope', negative_slope),
  vjp: ({ inputs: [x] }, dy, attrs) => run('leaky_relu_backward', [dy, x!], attrs),
  formula: 'dX = dY·(X > 0 ? 1 : slope)',
});

export const leaky_relu_backward: OpDef<LeakyReluAttrs> = unaryBackwardOp<LeakyReluAttrs>(
  'leaky_relu_backward',
  (v, { negative_slope }) => (v > 0 ? 1 : negative_slope),
  'dX = dY·(X > 0 ? 1 : slope)',
);
