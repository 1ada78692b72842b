import { softmaxAlong } from '../backends/cpu/reduce.ts';
import { run } from '../dispatch.ts';
import { AttrError, DTypeError } from '../errors.ts';
import { mul, sub } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { normalizeDim } from '../shape.ts';
import { isFloat, type TensorMeta } from '../tensor.ts';

export interface SoftmaxAttrs {
  dim: number;
}

/** The shape rule of softmax and log_softmax: same shape, a valid dim. */
export function softmaxShape(op: string, x: TensorMeta, dim: unknown): TensorMeta[] | AttrError | DTypeError {
  if (!isFloat(x.dtype)) return new DTypeError(op, `expected a float32 or float64 tensor, got ${x.dtype}`, 0);
  if (typeof dim !== 'number') return new AttrError(op, 'dim', `must be an int, got ${JSON.stringify(dim)}`);
  const d = normalizeDim(op, dim, x.shape.length);
  return d instanceof AttrError ? d : out(x.shape, x.dtype);
}

/** The dim as a non-negative index (a 0-d tensor is treated as one element along dim 0). */
export function softmaxDim(dim: number, rank: number): number {
  return rank === 0 ? 0 : dim < 0 ? dim + rank : dim;
}

export const softmax: OpDef<SoftmaxAttrs> = defineOp<SoftmaxAttrs>({
  name: 'softmax',
  kind: 'reduce',
  inputs: [{ name: 'x' }],
  shape: ([x], { dim }) => softmaxShape('softmax', x!, dim),
  forward: { cpu: ([x], { dim }) => [softmaxAlong(x!, softmaxDim(dim, x!.shape.length), false)] },
  vjp({ outputs: [y] }, [dy], { dim }) {
    const dot = run('sum', [mul(dy, y)], { dim, keepdim: true });
    return [mul(y, sub(dy, dot))];
  },
  formula: 'dX = Y·(dY − Σ_dim dY·Y)',
});
