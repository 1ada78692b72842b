import { tensor } from '../create.ts';
import { AttrError, DTypeError } from '../errors.ts';
import { mul } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { Rng } from '../random.ts';
import { allocFloat, type DType, type FloatStorage, isFloat, type Shape, sizeOf } from '../tensor.ts';

export interface DropoutAttrs {
  /** probability of zeroing an element */
  p: number;
  training: boolean;
  /** the mask is a function of the seed alone, so a step can be replayed exactly */
  seed: number;
}

/**
 * The mask F.dropout multiplies by: 0 with probability p, else 1/(1−p), so the expected value
 * is unchanged. p = 1 zeroes everything (PyTorch returns zeros, not NaN).
 */
export function dropoutMask(shape: Shape, p: number, seed: number, dtype: DType = 'float32'): FloatStorage {
  const mask = allocFloat(dtype, sizeOf(shape));
  if (p >= 1) return mask;
  const keep = 1 / (1 - p);
  const rng = new Rng(seed);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : keep;
  return mask;
}

/**
 * Inverted dropout. Written as x·mask with a seeded mask tensor, so the gradient (dY·mask)
 * reuses exactly the forward's mask and the op runs on every backend.
 */
export const dropout: OpDef<DropoutAttrs> = defineOp<DropoutAttrs>({
  name: 'dropout',
  kind: 'elementwise',
  inputs: [{ name: 'x' }],
  defaults: { p: 0.5, training: true, seed: 0 },
  shape([x], { p, training, seed }) {
    if (!isFloat(x!.dtype))
      return new DTypeError('dropout', `expected a float32 or float64 tensor, got ${x!.dtype}`, 0);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      return new AttrError('dropout', 'p', `dropout probability has to be between 0 and 1, but got ${p}`);
    }
    if (typeof training !== 'boolean')
      return new AttrError('dropout', 'training', `must be a boolean, got ${JSON.stringify(training)}`);
    if (!Number.isInteger(seed))
      return new AttrError('dropout', 'seed', `must be an integer, got ${JSON.stringify(seed)}`);
    return out(x!.shape, x!.dtype);
  },
  composite([x], { p, training, seed }) {
    if (!training || p === 0) return [x!];
    const mask = dropoutMask(x!.shape, p, seed, x!.dtype);
    return [mul(x!, tensor(mask, x!.shape, x!.dtype, x!.backend))];
  },
  formula: 'dX = dY·mask (the forward mask: 0 or 1/(1−p))',
});
