import { div as over, mul, neg, sumTo } from '../functional.ts';
import { binaryOp } from './_binary.ts';

export const div = binaryOp(
  'div',
  (x, y) => x / y,
  ({ inputs: [a, b], outputs: [y], needsGrad }, dy) => [
    needsGrad[0] ? sumTo(over(dy, b!), a!.shape) : null,
    // d(a/b)/db = −a/b² = −y/b
    needsGrad[1] ? sumTo(neg(mul(dy, over(y, b!))), b!.shape) : null,
  ],
  'da = dY / b, db = −dY·a / b²',
);
