import { run } from '../dispatch.ts';
import type { NoAttrs, OpDef } from '../op.ts';
import { unaryBackwardOp, unaryOp } from './_unary.ts';
import { stableSigmoid } from './sigmoid.ts';

export const silu: OpDef<NoAttrs> = unaryOp<NoAttrs>({
  name: 'silu',
  f: (v) => v * stableSigmoid(v),
  vjp: ({ inputs: [x] }, dy) => run('silu_backward', [dy, x!]),
  formula: 'dX = dY·σ(X)·(1 + X·(1 − σ(X)))',
});

export const silu_backward: OpDef<NoAttrs> = unaryBackwardOp<NoAttrs>(
  'silu_backward',
  (v) => {
    const s = stableSigmoid(v);
    return s * (1 + v * (1 - s));
  },
  'dX = dY·σ(X)·(1 + X·(1 − σ(X)))',
);
