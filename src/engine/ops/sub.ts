import { neg, sumTo } from '../functional.ts';
import { binaryOp } from './_binary.ts';

export const sub = binaryOp(
  'sub',
  (x, y) => x - y,
  ({ inputs: [a, b], needsGrad }, dy) => [
    sumTo(dy, a!.shape),
    needsGrad[1] ? neg(sumTo(dy, b!.shape)) : null,
  ],
  'da = Σ_broadcast dY, db = −Σ_broadcast dY',
);
