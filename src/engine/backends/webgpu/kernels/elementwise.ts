import { type Shape, sizeOf } from '../../../tensor.ts';
import { broadcastStrides } from '../../cpu/elementwise.ts';
import { f32Bits, type GpuRuntime, type GpuStorage } from '../runtime.ts';
import type { GpuKernel } from './types.ts';

/**
 * Elementwise ops as one parametrised kernel family: each op is a WGSL expression for one f32,
 * spliced into gpu/unary.wgsl or gpu/binary.wgsl (four elements per invocation when the data
 * allows). Float attrs travel as p0, p1, so one pipeline serves every attr value.
 */

const VEC4 = 'vec4<f32>';
const unaryApply = (vec: boolean) =>
  vec ? 'vec4<f32>(f(v.x, p0, p1), f(v.y, p0, p1), f(v.z, p0, p1), f(v.w, p0, p1))' : 'f(v, p0, p1)';
const binaryApply = (vec: boolean) =>
  vec
    ? 'vec4<f32>(f(a.x, b.x, p0, p1), f(a.y, b.y, p0, p1), f(a.z, b.z, p0, p1), f(a.w, b.w, p0, p1))'
    : 'f(a, b, p0, p1)';

/** y = f(x) over contiguous storage of n floats. */
export function unaryInto(
  rt: GpuRuntime,
  label: string,
  expr: string,
  x: GpuStorage,
  y: GpuStorage,
  n: number,
  params: number[] = [],
): void {
  const vec = n % 4 === 0;
  const [p0 = 0, p1 = 0] = params;
  rt.dispatch({
    kernel: 'unary',
    defines: { EXPR: expr, T: vec ? VEC4 : 'f32', APPLY: unaryApply(vec) },
    meta: [vec ? n / 4 : n, f32Bits(p0), f32Bits(p1)],
    inputs: [x],
    outputs: [y],
    threads: vec ? n / 4 : n,
    label,
  });
}

/** out = f(a, b) with a and b broadcast to `shape`. */
export function binaryInto(
  rt: GpuRuntime,
  label: string,
  expr: string,
  a: { storage: GpuStorage; shape: Shape },
  b: { storage: GpuStorage; shape: Shape },
  out: GpuStorage,
  shape: Shape,
  params: number[] = [],
): void {
  const n = sizeOf(shape);
  const [p0 = 0, p1 = 0] = params;
  const flat = sizeOf(a.shape) === n && sizeOf(b.shape) === n;
  const vec = flat && n % 4 === 0;
  rt.dispatch({
    kernel: 'binary',
    defines: { EXPR: expr, T: vec ? VEC4 : 'f32', APPLY: binaryApply(vec), BROADCAST: flat ? 0 : 1 },
    meta: flat
      ? [vec ? n / 4 : n, 0, f32Bits(p0), f32Bits(p1)]
      : [
          n,
          shape.length,
          f32Bits(p0),
          f32Bits(p1),
          ...shape,
          ...broadcastStrides(a.shape, shape),
          ...broadcastStrides(b.shape, shape),
        ],
    inputs: [a.storage, b.storage],
    outputs: [out],
    threads: vec ? n / 4 : n,
    label,
  });
}

/** f(x), with float attrs picked out as p0, p1; `expr` may depend on attrs (gelu's form). */
export function unaryKernel<A>(
  expr: string | ((attrs: A) => string),
  params: (attrs: A) => number[] = () => [],
): GpuKernel<A> {
  return ({ rt, op, inputs: [x], attrs, output }) => {
    const y = output();
    unaryInto(rt, op, typeof expr === 'string' ? expr : expr(attrs), x!.storage, y, x!.size, params(attrs));
    return [y];
  };
}

/** f(a, b) with broadcasting by strides. */
export function binaryKernel<A>(
  expr: string | ((attrs: A) => string),
  params: (attrs: A) => number[] = () => [],
): GpuKernel<A> {
  return ({ rt, op, inputs: [a, b], attrs, outs, output }) => {
    const y = output();
    binaryInto(
      rt,
      op,
      typeof expr === 'string' ? expr : expr(attrs),
      a!,
      b!,
      y,
      outs[0].shape,
      params(attrs),
    );
    return [y];
  };
}

type Gelu = { approximate: 'none' | 'tanh' };

export const unaryKernels = {
  neg: unaryKernel('-x'),
  exp: unaryKernel('exp(x)'),
  log: unaryKernel('log(x)'),
  sqrt: unaryKernel('sqrt(x)'),
  abs: unaryKernel('abs(x)'),
  sign: unaryKernel('sign(x)'),
  pow: unaryKernel<{ exponent: number }>('pow_real(x, p0)', (a) => [a.exponent]),
  // `x <= 0` is false for NaN, so NaN passes through as in PyTorch
  relu: unaryKernel('select(x, 0.0, x <= 0.0)'),
  positive_mask: unaryKernel('select(1.0, 0.0, x <= 0.0)'),
  leaky_relu: unaryKernel<{ negative_slope: number }>('select(x * p0, x, x > 0.0)', (a) => [
    a.negative_slope,
  ]),
  sigmoid: unaryKernel('sigmoid_safe(x)'),
  tanh: unaryKernel('tanh_safe(x)'),
  silu: unaryKernel('x * sigmoid_safe(x)'),
  elu: unaryKernel<{ alpha: number }>('select(p0 * expm1_safe(x), x, x > 0.0)', (a) => [a.alpha]),
  gelu: unaryKernel<Gelu>((a) => (a.approximate === 'tanh' ? 'gelu_tanh(x)' : 'gelu_erf(x)')),
};

/** Binary ops; the `*_backward` ones take (dy, x) and compute dy·f′(x). */
export const binaryKernels = {
  add: binaryKernel('a + b'),
  sub: binaryKernel('a - b'),
  mul: binaryKernel('a * b'),
  div: binaryKernel('a / b'),
  maximum: binaryKernel('max(a, b)'),
  // 1 where a > b, ½ on ties: the tie-splitting mask of max/min gradients
  compare_mask: binaryKernel('select(select(0.0, 0.5, a == b), 1.0, a > b)'),
  equal_mask: binaryKernel('select(0.0, 1.0, a == b)'),
  leaky_relu_backward: binaryKernel<{ negative_slope: number }>('a * select(p0, 1.0, b > 0.0)', (x) => [
    x.negative_slope,
  ]),
  elu_backward: binaryKernel<{ alpha: number }>('a * select(p0 * exp(b), 1.0, b > 0.0)', (x) => [x.alpha]),
  silu_backward: binaryKernel('a * sigmoid_safe(b) * (1.0 + b * (1.0 - sigmoid_safe(b)))'),
  gelu_backward: binaryKernel<Gelu>((x) =>
    x.approximate === 'tanh' ? 'a * gelu_tanh_grad(b)' : 'a * gelu_erf_grad(b)',
  ),
};
