import { run } from '../dispatch.ts';
import { AttrError, type OpError, ShapeError } from '../errors.ts';
import { reshape } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { normalizeDim, sameShape } from '../shape.ts';
import { floatTypeOf, isFloat, type TensorMeta } from '../tensor.ts';

export interface StackAttrs {
  dim: number;
}

function stackShape(inputs: readonly (TensorMeta | null)[], dim: number): TensorMeta[] | OpError {
  const metas = inputs.filter((t): t is TensorMeta => t !== null);
  if (metas.length === 0 || metas.length !== inputs.length) {
    return new ShapeError('stack', 'stack expects a non-empty TensorList');
  }
  const ref = metas[0].shape;
  const bad = metas.findIndex((t) => !sameShape(t.shape, ref));
  if (bad >= 0) {
    return new ShapeError(
      'stack',
      `stack expects each tensor to be equal size, but got [${ref.join(', ')}] at entry 0 and [${metas[bad].shape.join(', ')}] at entry ${bad}`,
      [{ input: bad, dim: -1 }],
    );
  }
  // the new dim may go anywhere from before the first to after the last
  const d = normalizeDim('stack', dim, ref.length + 1);
  if (d instanceof AttrError) return d;
  const float = isFloat(metas[0].dtype);
  const other = metas.find((t) => isFloat(t.dtype) !== float);
  if (other)
    return new ShapeError(
      'stack',
      `stack: expected every tensor to be ${metas[0].dtype}, got ${other.dtype}`,
    );
  return out(
    [...ref.slice(0, d), metas.length, ...ref.slice(d)],
    float ? floatTypeOf(...metas) : metas[0].dtype,
  );
}

/** torch.stack: each input gets a new size-1 dim at `dim`, then they are concatenated there. */
export const stack: OpDef<StackAttrs> = defineOp<StackAttrs>({
  name: 'stack',
  kind: 'movement',
  inputs: [{ name: 'x' }],
  variadic: true,
  defaults: { dim: 0 },
  shape: (inputs, { dim }) => stackShape(inputs, dim),
  composite(inputs, { dim }) {
    const rank = inputs[0]!.shape.length;
    const d = dim < 0 ? dim + rank + 1 : dim;
    const unsqueezed = inputs.map((x) => reshape(x!, [...x!.shape.slice(0, d), 1, ...x!.shape.slice(d)]));
    return [run('concat', unsqueezed, { dim: d })];
  },
  formula: 'dXᵢ = dY[i] along the new dim',
});
