import { reduceToShape } from '../backends/cpu/elementwise.ts';
import { ShapeError } from '../errors.ts';
import { expandTo } from '../functional.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { broadcastShapes, sameShape } from '../shape.ts';

/** Sum over the dims along which `shape` was broadcast to x's shape (reverse of expand). */
export const sum_to: OpDef<{ shape: number[] }> = defineOp({
  name: 'sum_to',
  kind: 'reduce',
  inputs: [{ name: 'x' }],
  shape([x], { shape }) {
    const b = broadcastShapes(shape, x!.shape, 'sum_to');
    if (b instanceof Error || !sameShape(b, x!.shape)) {
      return new ShapeError('sum_to', `sum_to: shape [${shape}] does not broadcast to [${x!.shape}]`);
    }
    return out(shape, x!.dtype);
  },
  forward: { cpu: ([x], { shape }) => [reduceToShape(x!, shape)] },
  vjp: ({ inputs: [x] }, [dy]) => [expandTo(dy, x!.shape)],
  formula: 'dX = broadcast(dY) to the input shape',
});
