import { mapBinary, mapUnary } from '../backends/cpu/elementwise.ts';
import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { defineOp, type OpDef, out, type VjpContext } from '../op.ts';
import { sameShape } from '../shape.ts';
import { floatTypeOf, isFloat, type Tensor } from '../tensor.ts';

export interface UnarySpec<A> {
  name: string;
  defaults?: Partial<A>;
  /** the value at one element, in float64; NaN in gives NaN out */
  f: (v: number, attrs: A) => number;
  /** an attribute problem, or null */
  check?: (attrs: A) => AttrError | null;
  vjp: (ctx: VjpContext, dy: Tensor, attrs: A) => Tensor | null;
  formula: string;
}

/** An elementwise op on one float tensor, output of the same shape and dtype. */
export function unaryOp<A>(spec: UnarySpec<A>): OpDef<A> {
  return defineOp<A>({
    name: spec.name,
    kind: 'elementwise',
    inputs: [{ name: 'x' }],
    defaults: spec.defaults,
    shape([x], attrs) {
      if (!isFloat(x!.dtype))
        return new DTypeError(spec.name, `expected a float32 or float64 tensor, got ${x!.dtype}`, 0);
      return spec.check?.(attrs) ?? out(x!.shape, x!.dtype);
    },
    forward: { cpu: ([x], attrs, [o]) => [mapUnary(x!, (v) => spec.f(v, attrs), o.dtype)] },
    vjp: (ctx, [dy], attrs) => [ctx.needsGrad[0] ? spec.vjp(ctx, dy, attrs) : null],
    formula: spec.formula,
  });
}

/**
 * The backward of an elementwise op as its own kernel: dX = dY·f′(x), inputs (dy, x).
 * For activations whose derivative is not a short product of other ops (PyTorch has the
 * same `*_backward` kernels). Backward-only: it has no gradient of its own. `apply` combines
 * dY with f′(x) where a product is wrong (a gate passes 0, not 0·∞ = NaN).
 */
export function unaryBackwardOp<A>(
  name: string,
  derivative: (x: number, attrs: A) => number,
  formula: string,
  apply: (dy: number, slope: number) => number = (g, d) => g * d,
): OpDef<A> {
  return defineOp<A>({
    name,
    kind: 'backward',
    inputs: [{ name: 'dy' }, { name: 'x' }],
    shape([dy, x]) {
      if (!sameShape(dy!.shape, x!.shape)) {
        return new ShapeError(
          name,
          `${name}: dy [${dy!.shape}] and x [${x!.shape}] must have the same shape`,
        );
      }
      return out(x!.shape, floatTypeOf(dy, x));
    },
    forward: {
      cpu: ([dy, x], attrs, [o]) => [
        mapBinary(dy!, x!, o.shape, (g, v) => apply(g, derivative(v, attrs)), o.dtype),
      ],
    },
    formula,
  });
}

/** A numeric attribute (±∞ allowed, as in PyTorch; NaN and non-numbers are not). */
export function checkNumber(op: string, attr: string, value: unknown): AttrError | null {
  return typeof value === 'number' && !Number.isNaN(value)
    ? null
    : new AttrError(op, attr, `must be a number, got ${JSON.stringify(value)}`);
}
