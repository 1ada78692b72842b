import { run } from '../dispatch.ts';
import { AttrError, DTypeError } from '../errors.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { allocStorage, type DType, isFloat } from '../tensor.ts';

export interface CastAttrs {
  dtype: DType;
}

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/**
 * x.to(dtype) between float32 and float64 (torch.Tensor.to / .double() / .float()): float64 →
 * float32 rounds to nearest. Autograd casts a gradient back to its input's dtype with it, as
 * PyTorch does when a float32 tensor meets a float64 one. Ints are not cast (no truncation rule).
 */
export const cast: OpDef<CastAttrs> = defineOp<CastAttrs>({
  name: 'cast',
  kind: 'elementwise',
  inputs: [{ name: 'x' }],
  shape([x], { dtype }) {
    if (!DTYPES.includes(dtype)) {
      return new AttrError(
        'cast',
        'dtype',
        `must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`,
      );
    }
    if (!isFloat(x!.dtype) || !isFloat(dtype)) {
      return new DTypeError('cast', `casts between float32 and float64 only, got ${x!.dtype} to ${dtype}`, 0);
    }
    return out(x!.shape, dtype);
  },
  forward: {
    cpu([x], _attrs, [o]) {
      const y = allocStorage(o.dtype, x!.data.length);
      y.set(x!.data);
      return [y];
    },
  },
  vjp: ({ inputs: [x] }, [dy]) => [dy.dtype === x!.dtype ? dy : run('cast', [dy], { dtype: x!.dtype })],
  formula: 'dX = dY cast back to X’s dtype',
});
