import { permuteData } from '../backends/cpu/permute.ts';
import { AttrError } from '../errors.ts';
import { transpose as swap } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { normalizeDim } from '../shape.ts';

function swapped(rank: number, dim0: number, dim1: number): number[] | AttrError {
  const a = normalizeDim('transpose', dim0, rank, 'dim0');
  if (a instanceof AttrError) return a;
  const b = normalizeDim('transpose', dim1, rank, 'dim1');
  if (b instanceof AttrError) return b;
  const dims = Array.from({ length: rank }, (_, i) => i);
  if (rank > 0) [dims[a], dims[b]] = [dims[b], dims[a]];
  return dims;
}

export const transpose: OpDef<{ dim0: number; dim1: number }> = defineOp({
  name: 'transpose',
  kind: 'movement',
  inputs: [{ name: 'x' }],
  shape([x], { dim0, dim1 }) {
    const dims = swapped(x!.shape.length, dim0, dim1);
    return dims instanceof AttrError
      ? dims
      : out(dims.map((d) => x!.shape[d] ?? 1).slice(0, x!.shape.length), x!.dtype);
  },
  forward: {
    cpu: ([x], { dim0, dim1 }) => [
      permuteData(x!.data, x!.shape, swapped(x!.shape.length, dim0, dim1) as number[]),
    ],
  },
  vjp: (_ctx, [dy], { dim0, dim1 }) => [swap(dy, dim0, dim1)],
  formula: 'dX = transpose(dY) back',
});
