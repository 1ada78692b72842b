import { binaryOp } from './_binary.ts';

/** 1 where a == b, 0 elsewhere (NaN equals nothing), with broadcasting: picks the arg-max for max's gradient. */
export const equal_mask = binaryOp(
  'equal_mask',
  (x, y) => (x === y ? 1 : 0),
  () => [null, null],
  'no gradient (a mask)',
);
