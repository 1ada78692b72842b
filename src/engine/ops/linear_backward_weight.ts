import { gemmTransA } from '../backends/cpu/matmul.ts';
import { run } from '../dispatch.ts';
import { DTypeError, ShapeError } from '../errors.ts';
import { matmul } from '../functional.ts';
import { defineOp, type NoAttrs, type OpDef, out } from '../op.ts';
import { allocFloat, floatTypeOf, isFloat } from '../tensor.ts';

/**
 * linear's weight gradient dW[out, in] = dYᵀ·X for dY [M, out], X [M, in]: a backward helper so
 * the CPU reads dY transposed through GEMM strides instead of materialising dYᵀ.
 */
export const linear_backward_weight: OpDef<NoAttrs> = defineOp<NoAttrs>({
  name: 'linear_backward_weight',
  kind: 'backward',
  inputs: [{ name: 'grad' }, { name: 'x' }],
  shape([dy, x]) {
    if (!isFloat(dy!.dtype) || !isFloat(x!.dtype)) {
      return new DTypeError(
        'linear_backward_weight',
        `expected float32 or float64 grad and input, got ${dy!.dtype} and ${x!.dtype}`,
      );
    }
    const [g, s] = [dy!.shape, x!.shape];
    if (g.length !== 2 || s.length !== 2 || g[0] !== s[0]) {
      return new ShapeError(
        'linear_backward_weight',
        `linear_backward_weight: grad [${g.join(', ')}] and input [${s.join(', ')}] must be [M, out] and [M, in]`,
      );
    }
    return out([g[1], s[1]], floatTypeOf(dy, x));
  },
  forward: {
    cpu([dy, x], _attrs, [o]) {
      const [rows, outF] = dy!.shape;
      const inF = x!.shape[1];
      const dw = allocFloat(o.dtype, outF * inF);
      gemmTransA(dy!.data, 0, x!.data, 0, dw, 0, outF, rows, inF);
      return [dw];
    },
  },
  // bilinear: d(dY) = X·Gᵀ, d(X) = dY·G for the upstream G [out, in]
  vjp({ inputs: [dy, x], needsGrad }, [g]) {
    return [needsGrad[0] ? run('linear', [x!, g]) : null, needsGrad[1] ? matmul(dy!, g) : null];
  },
  formula: 'd(dY) = X·Gᵀ, dX = dY·G',
});
