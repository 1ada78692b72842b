/** The shape rule torch's reductions share (sum, amax): every element, or one dim, kept with size 1 or dropped. */
import { normalizeDimIndex } from '../shapes.ts';
import type { InferResult } from '../define.ts';
import type { TensorType } from '../types.ts';

/** The reduced type, or the dim-range issue named after the node (`Sum: Dimension out of range …`). */
export function reducedType(node: string, x: TensorType, dim: number | null, keepdim: boolean): InferResult {
  if (dim === null) return [{ dtype: x.dtype, dims: keepdim ? x.dims.map(() => 1) : [] }];
  const d = normalizeDimIndex(dim, x.dims.length);
  if (typeof d !== 'number') return [{ ...d, message: `${node}: ${d.message}`, port: 'input' }];
  // a 0-d tensor reduces over "dim 0" and stays 0-d
  if (x.dims.length === 0) return [{ dtype: x.dtype, dims: [] }];
  const dims = keepdim ? x.dims.map((n, i) => (i === d ? 1 : n)) : x.dims.filter((_, i) => i !== d);
  return [{ dtype: x.dtype, dims }];
}
