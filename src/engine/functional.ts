import { run } from './dispatch.ts';
import { sameShape } from './shape.ts';
import type { Shape, Tensor } from './tensor.ts';

/** Short names for the ops gradient rules use most; each is just `run(op, ...)`. */
export const add = (a: Tensor, b: Tensor): Tensor => run('add', [a, b]);
export const sub = (a: Tensor, b: Tensor): Tensor => run('sub', [a, b]);
export const mul = (a: Tensor, b: Tensor): Tensor => run('mul', [a, b]);
export const div = (a: Tensor, b: Tensor): Tensor => run('div', [a, b]);
export const neg = (a: Tensor): Tensor => run('neg', [a]);
export const matmul = (a: Tensor, b: Tensor): Tensor => run('matmul', [a, b]);
export const transpose = (x: Tensor, dim0: number, dim1: number): Tensor =>
  run('transpose', [x], { dim0, dim1 });
export const reshape = (x: Tensor, shape: number[]): Tensor => run('reshape', [x], { shape });

/** Sum a gradient over broadcast dims so it has the operand's shape (no-op when it already does). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  return sameShape(g.shape, shape) ? g : run('sum_to', [g], { shape: [...shape] });
}

export function expandTo(x: Tensor, shape: Shape): Tensor {
  return sameShape(x.shape, shape) ? x : run('expand', [x], { shape: [...shape] });
}
