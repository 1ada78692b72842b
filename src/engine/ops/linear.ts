import { gemmTransB } from '../backends/cpu/matmul.ts';
import { run } from '../dispatch.ts';
import { DTypeError, type OpError, ShapeError } from '../errors.ts';
import { matmul, reshape, sumTo } from '../functional.ts';
import { defineOp, type NoAttrs, type OpDef, out } from '../op.ts';
import { allocFloat, floatTypeOf, isFloat, type TensorMeta } from '../tensor.ts';

/** F.linear's checks, with the messages of the matmul/addmm PyTorch dispatches to. */
function linearShape([x, w, b]: (TensorMeta | null)[]): number[] | OpError {
  for (const [i, m, name] of [
    [0, x, 'input'],
    [1, w, 'weight'],
    [2, b, 'bias'],
  ] as const) {
    if (m && !isFloat(m.dtype))
      return new DTypeError(
        'linear',
        `expected ${name} to be a float32 or float64 tensor, got ${m.dtype}`,
        i,
      );
  }
  const xs = x!.shape;
  const ws = w!.shape;
  if (xs.length === 0) {
    return new ShapeError(
      'linear',
      `both arguments to linear need to be at least 1D, but they are 0D and ${ws.length}D`,
      [],
      'rank0',
    );
  }
  if (ws.length !== 2) {
    return new ShapeError('linear', `t() expects a tensor with <= 2 dimensions, but self is ${ws.length}D`, [
      { input: 1, dim: -1 },
    ]);
  }
  const rows = xs.length === 1 ? 1 : xs.slice(0, -1).reduce((p, d) => p * d, 1);
  const inner = xs[xs.length - 1];
  if (inner !== ws[1]) {
    return new ShapeError(
      'linear',
      `mat1 and mat2 shapes cannot be multiplied (${rows}x${inner} and ${ws[1]}x${ws[0]})`,
      [
        { input: 0, dim: xs.length - 1 },
        { input: 1, dim: 1 },
      ],
      'inner_dim',
    );
  }
  const shape = [...xs.slice(0, -1), ws[0]];
  if (b && b.shape.length > 1) {
    return new ShapeError('linear', `linear: bias must be 1-D [${ws[0]}], got [${b.shape.join(', ')}]`, [
      { input: 2, dim: 0 },
    ]);
  }
  if (b && b.shape.length === 1 && b.shape[0] !== ws[0] && b.shape[0] !== 1) {
    // 2-D input goes through addmm (expand), any other rank through matmul + add (broadcast)
    const message =
      xs.length === 2
        ? `The expanded size of the tensor (${ws[0]}) must match the existing size (${b.shape[0]}) at non-singleton dimension 1.  Target sizes: [${shape.join(', ')}].  Tensor sizes: [${b.shape[0]}]`
        : `The size of tensor a (${ws[0]}) must match the size of tensor b (${b.shape[0]}) at non-singleton dimension ${shape.length - 1}`;
    return new ShapeError('linear', message, [{ input: 2, dim: 0 }], 'broadcast');
  }
  return shape;
}

/** F.linear: y = x·Wᵀ + b for x [..., in], weight [out, in], bias [out] (optional). */
export const linear: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: 'linear',
  kind: 'matmul',
  inputs: [{ name: 'x' }, { name: 'weight' }, { name: 'bias', optional: true }],
  shape(metas) {
    const s = linearShape(metas);
    return s instanceof Error ? s : out(s, floatTypeOf(...metas));
  },
  forward: {
    cpu([x, w, b], _attrs, [o]) {
      const [outF, inF] = w!.shape;
      const rows = x!.shape.slice(0, -1).reduce((p, d) => p * d, 1);
      const y = allocFloat(o.dtype, rows * outF);
      if (b) {
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < outF; o++) y[r * outF + o] = b.data.length === 1 ? b.data[0] : b.data[o];
        }
      }
      // W stays [out, in]: the GEMM reads it transposed through its strides, no copy
      gemmTransB(x!.data, 0, w!.data, 0, y, 0, rows, inF, outF);
      return [y];
    },
  },
  vjp({ inputs: [x, w, b], needsGrad }, [dy]) {
    const [outF, inF] = w!.shape;
    const rows = x!.shape.slice(0, -1).reduce((p, d) => p * d, 1);
    const dY = reshape(dy, [rows, outF]);
    return [
      needsGrad[0] ? reshape(matmul(dY, w!), [...x!.shape]) : null,
      needsGrad[1] ? run('linear_backward_weight', [dY, reshape(x!, [rows, inF])]) : null,
      needsGrad[2] && b ? sumTo(dY, b.shape) : null,
    ];
  },
  formula: 'dX = dY·W, dW = dYᵀ·X, db = Σ_N dY',
});
