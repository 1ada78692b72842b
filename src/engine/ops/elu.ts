import { run } from '../dispatch.ts';
import type { OpDef } from '../op.ts';
import { checkNumber, unaryBackwardOp, unaryOp } from './_unary.ts';

export interface EluAttrs {
  alpha: number;
}

export const elu: OpDef<EluAttrs> = unaryOp<EluAttrs>({
  name: 'elu',
  defaults: { alpha: 1 },
  // expm1 keeps α(eˣ − 1) accurate for x just below 0
  f: (v, { alpha }) => (v > 0 ? v : alpha * Math.expm1(v)),
  check: ({ alpha }) => checkNumber('elu', 'alpha', alpha),
  vjp: ({ inputs: [x] }, dy, attrs) => run('elu_backward', [dy, x!], attrs),
  formula: 'dX = dY·(X > 0 ? 1 : α·eˣ)',
});

export const elu_backward: OpDef<EluAttrs> = unaryBackwardOp<EluAttrs>(
  'elu_backward',
  (v, { alpha }) => (v > 0 ? 1 : alpha * Math.exp(v)),
  'dX = dY·(X > 0 ? 1 : α·eˣ)',
);
