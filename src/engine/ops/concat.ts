import { axisView } from '../backends/cpu/reduce.ts';
import { fill } from '../create.ts';
import { run } from '../dispatch.ts';
import { AttrError, DTypeError, type OpError, ShapeError } from '../errors.ts';
import { type CpuTensor, defineOp, type OpDef, out } from '../op.ts';
import { normalizeDim } from '../shape.ts';
import { allocStorage, floatTypeOf, isFloat, type Tensor, type TensorMeta } from '../tensor.ts';

export interface ConcatAttrs {
  dim: number;
}

/** torch.cat still skips 1-D empty tensors whatever their rank (legacy behaviour kept in 1.13). */
const isLegacyEmpty = (t: TensorMeta) => t.shape.length === 1 && t.shape[0] === 0;

/** torch.cat's shape rule, with its messages. */
export function concatShape(inputs: readonly (TensorMeta | null)[], dim: number): TensorMeta[] | OpError {
  const metas = inputs.filter((t): t is TensorMeta => t !== null);
  if (metas.length === 0 || metas.length !== inputs.length) {
    return new ShapeError('concat', 'torch.cat(): expected a non-empty list of Tensors');
  }
  const zeroDim = metas.findIndex((t) => t.shape.length === 0);
  if (zeroDim >= 0) {
    return new ShapeError(
      'concat',
      `zero-dimensional tensor (at position ${zeroDim}) cannot be concatenated`,
      [{ input: zeroDim, dim: -1 }],
    );
  }
  // floats promote (float32 with float64 gives float64, as torch.cat); ints don't mix with floats
  const dtype = isFloat(metas[0].dtype) ? floatTypeOf(...metas) : metas[0].dtype;
  const otherType = metas.findIndex((t) => isFloat(t.dtype) !== isFloat(dtype));
  if (otherType >= 0) {
    return new DTypeError(
      'concat',
      `expected every tensor to be ${dtype}, got ${metas[otherType].dtype} at position ${otherType}`,
      otherType,
    );
  }
  const first = metas.findIndex((t) => !isLegacyEmpty(t));
  if (first < 0) return out([0], dtype);
  const ref = metas[first].shape;
  const d = normalizeDim('concat', dim, ref.length);
  if (d instanceof AttrError) return d;
  let total = 0;
  for (let i = 0; i < metas.length; i++) {
    const s = metas[i].shape;
    if (isLegacyEmpty(metas[i])) continue;
    if (s.length !== ref.length) {
      return new ShapeError(
        'concat',
        `Tensors must have same number of dimensions: got ${ref.length} and ${s.length}`,
        [{ input: i, dim: -1 }],
      );
    }
    for (let k = 0; k < s.length; k++) {
      if (k !== d && s[k] !== ref[k]) {
        return new ShapeError(
          'concat',
          `Sizes of tensors must match except in dimension ${d}. Expected size ${ref[k]} but got size ${s[k]} for tensor number ${i} in the list.`,
          [
            { input: first, dim: k },
            { input: i, dim: k },
          ],
        );
      }
    }
    total += s[d];
  }
  return out(
    ref.map((n, k) => (k === d ? total : n)),
    dtype,
  );
}

function concatDim(inputs: readonly TensorMeta[], dim: number): number {
  const ref = inputs.find((t) => !isLegacyEmpty(t))!.shape;
  return dim < 0 ? dim + ref.length : dim;
}

export const concat: OpDef<ConcatAttrs> = defineOp<ConcatAttrs>({
  name: 'concat',
  kind: 'movement',
  inputs: [{ name: 'x' }],
  variadic: true,
  defaults: { dim: 0 },
  shape: (inputs, { dim }) => concatShape(inputs, dim),
  forward: {
    cpu(inputs, { dim }, [o]) {
      const parts = inputs.filter((t): t is CpuTensor => t !== null && !isLegacyEmpty(t));
      const result = allocStorage(
        o.dtype,
        o.shape.reduce((a, b) => a * b, 1),
      );
      if (parts.length === 0) return [result];
      const d = concatDim(parts, dim);
      const { outer, size, inner } = axisView(o.shape, d);
      let offset = 0;
      for (const part of parts) {
        const block = part.shape[d] * inner;
        for (let b = 0; b < outer; b++) {
          result.set(part.data.subarray(b * block, (b + 1) * block), (b * size + offset) * inner);
        }
        offset += part.shape[d];
      }
      return [result];
    },
  },
  vjp({ inputs, needsGrad }, [dy], { dim }) {
    const present = inputs.filter((t): t is Tensor => t !== null && !isLegacyEmpty(t));
    if (present.length === 0) return inputs.map(() => null);
    const d = concatDim(present, dim);
    let start = 0;
    return inputs.map((x, i) => {
      if (!x) return null;
      if (isLegacyEmpty(x)) return needsGrad[i] ? fill(x.shape, 0, x.backend, x.dtype) : null;
      const length = x.shape[d];
      const grad = needsGrad[i] ? run('narrow', [dy], { dim: d, start, length }) : null;
      start += length;
      return grad;
    });
  },
  formula: 'dXᵢ = the slice of dY along dim where Xᵢ was placed',
});
