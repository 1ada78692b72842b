import { mapBinary } from '../backends/cpu/elementwise.ts';
import { DTypeError } from '../errors.ts';
import { defineOp, type NoAttrs, type OpDef, out, type VjpContext } from '../op.ts';
import { broadcastShapes } from '../shape.ts';
import { floatTypeOf, isFloat, type Tensor } from '../tensor.ts';

type BinaryVjp = (ctx: VjpContext, dy: Tensor) => (Tensor | null)[];

/** An elementwise binary op on floats with broadcasting and type promotion; its gradients are summed back to each operand's shape. */
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
      if (!isFloat(a!.dtype) || !isFloat(b!.dtype)) {
        return new DTypeError(name, `expected float32 or float64 operands, got ${a!.dtype} and ${b!.dtype}`);
      }
      const s = broadcastShapes(a!.shape, b!.shape, name);
      // float32 with float64 computes in float64, as PyTorch's type promotion
      return s instanceof Error ? s : out(s, floatTypeOf(a, b));
    },
    forward: { cpu: ([a, b], _attrs, [o]) => [mapBinary(a!, b!, o.shape, f, o.dtype)] },
    vjp: (ctx, [dy]) => vjp(ctx, dy),
    formula,
  });
}
