import { AttrError } from '../errors.ts';
import { expandTo, reshape } from '../functional.ts';
import { out } from '../op.ts';
import { normalizeDim, sameShape } from '../shape.ts';
import type { Shape, Tensor, TensorMeta } from '../tensor.ts';

/** Attrs of sum, mean and max: torch's `dim` (None, an int or a list) and `keepdim`. */
export interface ReduceAttrs {
  dim: number | number[] | null;
  keepdim: boolean;
}

export const reduceDefaults: Partial<ReduceAttrs> = { dim: null, keepdim: false };

/**
 * The reduced dims, sorted and non-negative, with PyTorch's messages. `null` and `[]` both
 * mean every dim (torch.sum(x, dim=[]) reduces everything too).
 */
export function reducedDims(op: string, dim: unknown, rank: number): number[] | AttrError {
  if (dim === null || dim === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dim === 'number' ? [dim] : dim;
  if (!Array.isArray(list) || list.some((d) => typeof d !== 'number')) {
    return new AttrError(op, 'dim', `must be null, an int or a list of ints, got ${JSON.stringify(dim)}`);
  }
  if (list.length === 0) return Array.from({ length: rank }, (_, i) => i);
  const dims: number[] = [];
  for (const d of list) {
    const n = normalizeDim(op, d, rank);
    if (n instanceof AttrError) return n;
    if (dims.includes(n))
      return new AttrError(op, 'dim', `dim ${n} appears multiple times in the list of dims`);
    dims.push(n);
  }
  // a 0-d tensor reduces over "dim 0" but has no dim to drop
  return dims.filter((d) => d < rank).sort((a, b) => a - b);
}

/** x's shape with every reduced dim set to 1 (the keepdim result). */
export function keptShape(shape: Shape, dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  return keepdim ? keptShape(shape, dims) : shape.filter((_, i) => !dims.includes(i));
}

/** The shape rule shared by sum, mean and max (any dtype; the result keeps it). */
export function reduceShape(
  op: string,
  x: TensorMeta,
  { dim, keepdim }: ReduceAttrs,
): TensorMeta[] | AttrError {
  // an explicit undefined means the default, as leaving the attr out does
  const keep = keepdim ?? false;
  if (typeof keep !== 'boolean') {
    return new AttrError(op, 'keepdim', `must be a boolean, got ${JSON.stringify(keepdim)}`);
  }
  const dims = reducedDims(op, dim, x.shape.length);
  if (dims instanceof AttrError) return dims;
  return out(reducedShape(x.shape, dims, keep), x.dtype);
}

/** Bring a reduced gradient back to x's shape: reinsert the reduced dims, then broadcast. */
export function spreadBack(dy: Tensor, x: Tensor, { dim }: ReduceAttrs): Tensor {
  const kept = keptShape(x.shape, reducedDims('reduce', dim, x.shape.length) as number[]);
  const withDims = sameShape(dy.shape, kept) ? dy : reshape(dy, kept);
  return expandTo(withDims, x.shape);
}

/** Number of elements folded into each output element. */
export function reducedCount(shape: Shape, dims: readonly number[]): number {
  return dims.reduce((n, d) => n * shape[d], 1);
}
