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

/**
 * Broadcast strides of a and b over `shape`, with neighbouring dims merged wherever both
 * operands step through them as one (a bias over [N, C, H, W] becomes two dims, a scalar
 * operand one): each merged dim saves the kernel a division per element.
 */
export function collapseBroadcast(
  shape: Shape,
  aShape: Shape,
  bShape: Shape,
): { shape: number[]; a: number[]; b: number[] } {
  const sa = broadcastStrides(aShape, shape);
  const sb = broadcastStrides(bShape, shape);
  const out = { shape: [] as number[], a: [] as number[], b: [] as number[] };
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = out.shape.length - 1;
    // the dim before merges into this one when stepping it is stepping this one size times
    if (last >= 0 && out.a[last] === sa[d] * shape[d] && out.b[last] === sb[d] * shape[d]) {
      out.shape[last] *= shape[d];
      out.a[last] = sa[d];
      out.b[last] = sb[d];
    } else {
      out.shape.push(shape[d]);
      out.a.push(sa[d]);
      out.b.push(sb[d]);
    }
  }
  return out;
}

/**
 * out = f(a, b) with a and b broadcast to `shape`: same shapes elementwise (vec4 when the size
 * allows), one operand a scalar read once, otherwise strides over the collapsed dims.
 */
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
  const c = collapseBroadcast(shape, a.shape, b.shape);
  const flat = c.shape.length <= 1 && (c.a[0] ?? 1) === 1 && (c.b[0] ?? 1) === 1;
  const scalar = c.shape.length === 1 && (c.a[0] === 0 ? 'a' : c.b[0] === 0 ? 'b' : null);
  const mode = flat ? 0 : scalar === 'a' ? 2 : scalar === 'b' ? 3 : 1;
  const vec = mode !== 1 && n % 4 === 0;
  rt.dispatch({
    kernel: 'binary',
    defines: {
      EXPR: expr,
      T: vec ? VEC4 : 'f32',
      APPLY: binaryApply(vec),
      BROADCAST: mode,
      FIRST: vec ? 'v.x' : 'v',
    },
    meta:
      mode !== 1
        ? [vec ? n / 4 : n, 0, f32Bits(p0), f32Bits(p1)]
        : [n, c.shape.length, f32Bits(p0), f32Bits(p1), ...c.shape, ...c.a, ...c.b],
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

/** The activations' WGSL of one f32 `x`, shared with the GEMM that applies them in its write (linear_act). */
export const activationExprs = {
  // `x <= 0` is false for NaN, so NaN passes through as in PyTorch
  relu: () => 'select(x, 0.0, x <= 0.0)',
  sigmoid: () => 'sigmoid_safe(x)',
  tanh: () => 'tanh_safe(x)',
  silu: () => 'x * sigmoid_safe(x)',
  gelu: (a: Gelu) => (a.approximate === 'tanh' ? 'gelu_tanh(x)' : 'gelu_erf(x)'),
};

export const unaryKernels = {
  neg: unaryKernel('-x'),
  exp: unaryKernel('exp(x)'),
  log: unaryKernel('log(x)'),
  sqrt: unaryKernel('sqrt(x)'),
  abs: unaryKernel('abs(x)'),
  sign: unaryKernel('sign(x)'),
  pow: unaryKernel<{ exponent: number }>('pow_real(x, p0)', (a) => [a.exponent]),
  relu: unaryKernel(activationExprs.relu()),
  positive_mask: unaryKernel('select(1.0, 0.0, x <= 0.0)'),
  leaky_relu: unaryKernel<{ negative_slope: number }>('select(x * p0, x, x > 0.0)', (a) => [
    a.negative_slope,
  ]),
  sigmoid: unaryKernel(activationExprs.sigmoid()),
  tanh: unaryKernel(activationExprs.tanh()),
  silu: unaryKernel(activationExprs.silu()),
  elu: unaryKernel<{ alpha: number }>('select(p0 * expm1_safe(x), x, x > 0.0)', (a) => [a.alpha]),
  gelu: unaryKernel<Gelu>(activationExprs.gelu),
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
  relu_backward: binaryKernel('select(a, 0.0, b <= 0.0)'),
  leaky_relu_backward: binaryKernel<{ negative_slope: number }>('a * select(p0, 1.0, b > 0.0)', (x) => [
    x.negative_slope,
  ]),
  elu_backward: binaryKernel<{ alpha: number }>('a * select(p0 * exp(b), 1.0, b > 0.0)', (x) => [x.alpha]),
  silu_backward: binaryKernel('a * sigmoid_safe(b) * (1.0 + b * (1.0 - sigmoid_safe(b)))'),
  gelu_backward: binaryKernel<Gelu>((x) =>
    x.approximate === 'tanh' ? 'a * gelu_tanh_grad(b)' : 'a * gelu_erf_grad(b)',
  ),
};
