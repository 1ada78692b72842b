import { permuteData } from '../backends/cpu/permute.ts';
import { AttrError } from '../errors.ts';
import { run } from '../dispatch.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { normalizeDim } from '../shape.ts';

export function checkPermutation(op: string, dims: readonly number[], rank: number): number[] | AttrError {
  if (dims.length !== rank) {
    return new AttrError(
      op,
      'dims',
      `number of dims don't match in permute: input has ${rank} dims, dims has ${dims.length}`,
    );
  }
  const norm: number[] = [];
  for (const d of dims) {
    const n = normalizeDim(op, d, rank, 'dims');
    if (n instanceof AttrError) return n;
    if (norm.includes(n)) return new AttrError(op, 'dims', 'repeated dim in permute');
    norm.push(n);
  }
  return norm;
}

export const permute: OpDef<{ dims: number[] }> = defineOp({
  name: 'permute',
  kind: 'movement',
  inputs: [{ name: 'x' }],
  shape([x], { dims }) {
    const p = checkPermutation('permute', dims, x!.shape.length);
    return p instanceof AttrError
      ? p
      : out(
          p.map((d) => x!.shape[d]),
          x!.dtype,
        );
  },
  forward: {
    cpu: ([x], { dims }) => [
      permuteData(x!.data, x!.shape, checkPermutation('permute', dims, x!.shape.length) as number[]),
    ],
  },
  vjp({ inputs: [x] }, [dy], { dims }) {
    const p = checkPermutation('permute', dims, x!.shape.length) as number[];
    const inverse = p.map((_, i) => p.indexOf(i));
    return [run('permute', [dy], { dims: inverse })];
  },
  formula: 'dX = permute(dY) by the inverse permutation',
});
