import { broadcastStrides } from '../../cpu/elementwise.ts';
import { f32Bits } from '../runtime.ts';
import type { GpuKernel, KernelCall } from './types.ts';

/**
 * Elementwise ops as one parametrised kernel family: each op is a WGSL expression, spliced into
 * gpu/unary.wgsl or gpu/binary.wgsl. Expressions use `T(...)` for constants so the same text
 * compiles for f32 and vec4<f32>.
 */

/** f(x) with up to two float attrs as p0, p1. */
export function unaryKernel<A>(expr: string, params: (attrs: A) => number[] = () => []): GpuKernel<A> {
  return ({ rt, inputs: [x], attrs, outs, output, op }: KernelCall<A>) => {
    const y = output();
    const n = outs[0].shape.reduce((a, b) => a * b, 1);
    const vec = n % 4 === 0;
    const [p0 = 0, p1 = 0] = params(attrs);
    rt.dispatch({
      kernel: 'unary',
      defines: { EXPR: expr, T: vec ? 'vec4<f32>' : 'f32' },
      meta: [vec ? n / 4 : n, f32Bits(p0), f32Bits(p1)],
      inputs: [x!.storage],
      outputs: [y],
      threads: vec ? n / 4 : n,
      label: op,
    });
    return [y];
  };
}

/** f(a, b) with broadcasting by strides; a flat (vec4) path when no broadcasting happens. */
export function binaryKernel(expr: string): GpuKernel {
  return ({ rt, inputs: [a, b], outs, output, op }) => {
    const shape = outs[0].shape;
    const y = output();
    const n = shape.reduce((p, d) => p * d, 1);
    const flat = a!.size === n && b!.size === n;
    if (flat) {
      const vec = n % 4 === 0;
      rt.dispatch({
        kernel: 'binary',
        defines: { EXPR: expr, T: vec ? 'vec4<f32>' : 'f32', BROADCAST: 0 },
        meta: [vec ? n / 4 : n, 0],
        inputs: [a!.storage, b!.storage],
        outputs: [y],
        threads: vec ? n / 4 : n,
        label: op,
      });
      return [y];
    }
    rt.dispatch({
      kernel: 'binary',
      defines: { EXPR: expr, T: 'f32', BROADCAST: 1 },
      meta: [n, shape.length, ...shape, ...broadcastStrides(a!.shape, shape), ...broadcastStrides(b!.shape, shape)],
      inputs: [a!.storage, b!.storage],
      outputs: [y],
      threads: n,
      label: op,
    });
    return [y];
  };
}

export const binaryKernels = {
  add: binaryKernel('a + b'),
  sub: binaryKernel('a - b'),
  mul: binaryKernel('a * b'),
  div: binaryKernel('a / b'),
  maximum: binaryKernel('max(a, b)'),
  // 1 where a > b, ½ on ties: the tie-splitting mask of max/min gradients
  compare_mask: binaryKernel('select(select(T(0.0), T(0.5), a == b), T(1.0), a > b)'),
};

export const unaryKernels = {
  neg: unaryKernel('-x'),
};
