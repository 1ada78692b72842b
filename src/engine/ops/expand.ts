import { mapBinary } from '../backends/cpu/elementwise.ts';
import { ShapeError } from '../errors.ts';
import { sumTo } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { broadcastShapes, sameShape } from '../shape.ts';

/** Broadcast x to `shape` (torch.Tensor.expand, materialised). */
export const expand: OpDef<{ shape: number[] }> = defineOp({
  name: 'expand',
  kind: 'movement',
  inputs: [{ name: 'x' }],
  shape([x], { shape }) {
    const b = broadcastShapes(x!.shape, shape, 'expand');
    if (b instanceof Error || !sameShape(b, shape)) {
      return new ShapeError(
        'expand',
        `The expanded size of the tensor must match the existing size at non-singleton dimensions: [${x!.shape}] to [${shape}]`,
      );
    }
    return out(shape, x!.dtype);
  },
  forward: {
    cpu: ([x], { shape }, [o]) => [mapBinary(x!, x!, shape, (v) => v, o.dtype)],
  },
  vjp: ({ inputs: [x] }, [dy]) => [sumTo(dy, x!.shape)],
  formula: 'dX = Σ over the expanded dims of dY',
});
