import { mul as times, sumTo } from '../functional.ts';
import { binaryOp } from './_binary.ts';

export const mul = binaryOp(
  'mul',
  (x, y) => x * y,
  ({ inputs: [a, b], needsGrad }, dy) => [
    needsGrad[0] ? sumTo(times(dy, b!), a!.shape) : null,
    needsGrad[1] ? sumTo(times(dy, a!), b!.shape) : null,
  ],
  'da = Σ_broadcast dY·b, db = Σ_broadcast dY·a',
);
