import { fill, scalarLike } from '../create.ts';
import { run } from '../dispatch.ts';
import { mul } from '../functional.ts';
import type { OpDef } from '../op.ts';
import { checkNumber, unaryOp } from './_unary.ts';

export interface PowAttrs {
  exponent: number;
}

/** x^exponent with a constant exponent; a negative base with a fractional exponent is NaN. */
export const pow: OpDef<PowAttrs> = unaryOp<PowAttrs>({
  name: 'pow',
  f: (v, { exponent }) => v ** exponent,
  check: ({ exponent }) => checkNumber('pow', 'exponent', exponent),
  vjp({ inputs: [x] }, dy, { exponent }) {
    // PyTorch special-cases exponent 0: a zero gradient even where x^(−1) is infinite
    if (exponent === 0) return fill(x!.shape, 0, x!.backend, x!.dtype);
    return mul(dy, mul(run('pow', [x!], { exponent: exponent - 1 }), scalarLike(exponent, x!)));
  },
  formula: 'dX = dY·p·X^(p−1)',
});
