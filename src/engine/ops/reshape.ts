import { AttrError, ShapeError } from '../errors.ts';
import { reshape as reshapeTo } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { sizeOf } from '../tensor.ts';

/** Resolve one -1 in a target shape, with PyTorch's messages. */
export function resolveShape(op: string, shape: readonly number[], size: number): number[] | Error {
  const free = shape.filter((d) => d === -1).length;
  if (free > 1) return new AttrError(op, 'shape', 'only one dimension can be inferred');
  const bad = shape.find((d) => d < -1 || !Number.isInteger(d));
  if (bad !== undefined) return new AttrError(op, 'shape', `invalid shape dimension ${bad}`);
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  if (free === 1) {
    if (known === 0 || size % known !== 0) {
      return new ShapeError(op, `shape '[${shape.join(', ')}]' is invalid for input of size ${size}`);
    }
    return shape.map((d) => (d === -1 ? size / known : d));
  }
  if (known !== size)
    return new ShapeError(op, `shape '[${shape.join(', ')}]' is invalid for input of size ${size}`);
  return [...shape];
}

export const reshape: OpDef<{ shape: number[] }> = defineOp({
  name: 'reshape',
  kind: 'movement',
  inputs: [{ name: 'x' }],
  shape([x], { shape }) {
    const s = resolveShape('reshape', shape, sizeOf(x!.shape));
    return s instanceof Error ? (s as ShapeError) : out(s, x!.dtype);
  },
  // row-major data is unchanged by a reshape; tensors are immutable, so sharing is safe
  forward: { cpu: ([x]) => [x!.data] },
  vjp: ({ inputs: [x] }, [dy]) => [reshapeTo(dy, [...x!.shape])],
  formula: 'dX = reshape(dY) to the input shape',
});
