import { sumTo } from '../functional.ts';
import { binaryOp } from './_binary.ts';

export const add = binaryOp(
  'add',
  (x, y) => x + y,
  ({ inputs: [a, b] }, dy) => [sumTo(dy, a!.shape), sumTo(dy, b!.shape)],
  'da = Σ_broadcast dY, db = Σ_broadcast dY',
);
