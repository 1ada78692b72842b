import { mapBinary } from '../backends/cpu/elementwise.ts';
import { DTypeError } from '../errors.ts';
import { defineOp, type NoAttrs, type OpDef, out, type VjpContext } from '../op.ts';
import { broadcastShapes } from '../shape.ts';
import type { Tensor } from '../tensor.ts';

type BinaryVjp = (ctx: VjpContext, dy: Tensor) => (Tensor | null)[];

/** An elementwise binary op with broadcasting; its gradients are summed back to each operand's shape. */
export function binaryOp(
  name: string,
  f: (x: number, y: number) => number,
  vjp: BinaryVjp,
  formula: string,
): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name,
    kind: 'elementwise',
    inputs: [{ name: 'a' }, { name: 'b' }],
    shape([a, b]) {
      if (a!.dtype !== 'float32' || b!.dtype !== 'float32') {
        return new DTypeError(name, `expected float32 operands, got ${a!.dtype} and ${b!.dtype}`);
      }
      const s = broadcastShapes(a!.shape, b!.shape, name);
      return s instanceof Error ? s : out(s);
    },
    forward: { cpu: ([a, b], _attrs, [o]) => [mapBinary(a!, b!, o.shape, f)] },
    vjp: (ctx, [dy]) => vjp(ctx, dy),
    formula,
  });
}
