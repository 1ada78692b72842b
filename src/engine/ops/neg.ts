import { mapUnary } from '../backends/cpu/elementwise.ts';
import { neg as negate } from '../functional.ts';
import { defineOp, type NoAttrs, type OpDef, out } from '../op.ts';

export const neg: OpDef<NoAttrs> = defineOp({
  name: 'neg',
  kind: 'elementwise',
  inputs: [{ name: 'x' }],
  shape: ([x]) => out(x!.shape, x!.dtype),
  forward: { cpu: ([x], _attrs, [o]) => [mapUnary(x!, (v) => -v, o.dtype)] },
  vjp: (_ctx, [dy]) => [negate(dy)],
  formula: 'dX = −dY',
});
