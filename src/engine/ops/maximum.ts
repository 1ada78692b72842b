import { mul, sumTo } from '../functional.ts';
import { run } from '../dispatch.ts';
import { binaryOp } from './_binary.ts';

export const maximum = binaryOp(
  'maximum',
  (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : Math.max(x, y)),
  ({ inputs: [a, b], needsGrad }, dy) => {
    // PyTorch splits ties evenly: mask = (a > b) + 0.5·(a == b)
    const maskA = run('compare_mask', [a!, b!]);
    const maskB = run('compare_mask', [b!, a!]);
    return [
      needsGrad[0] ? sumTo(mul(dy, maskA), a!.shape) : null,
      needsGrad[1] ? sumTo(mul(dy, maskB), b!.shape) : null,
    ];
  },
  'da = dY·[a > b] (+½ on ties), db = dY·[b > a] (+½ on ties)',
);

/** 1 where a > b, ½ where a == b, 0 elsewhere (the tie-splitting mask of max/min gradients). */
export const compare_mask = binaryOp(
  'compare_mask',
  (x, y) => (x > y ? 1 : x === y ? 0.5 : 0),
  () => [null, null],
  'no gradient (a mask)',
);
