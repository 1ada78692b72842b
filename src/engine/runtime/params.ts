import type { Backend } from '../backend.ts';
import { defaultBackend } from '../context.ts';
import { tensor } from '../create.ts';
import { ShapeError } from '../errors.ts';
import { type Shape, sizeOf, type Tensor } from '../tensor.ts';

/**
 * A trainable parameter's mutable storage, owned by the training runtime. Optimizers rewrite
 * `data` in place; tensors made from it (`paramTensor`) are copies, so they stay immutable.
 */
export interface Param {
  readonly name: string;
  readonly shape: Shape;
  readonly data: Float32Array;
}

export function param(name: string, shape: Shape, values: ArrayLike<number>): Param {
  if (values.length !== sizeOf(shape)) {
    throw new ShapeError(
      'param',
      `param '${name}': shape [${shape.join(', ')}] needs ${sizeOf(shape)} values, got ${values.length}`,
    );
  }
  return { name, shape: [...shape], data: Float32Array.from(values) };
}

/** Copy a tensor's current values into new parameter storage (reads back from any backend). */
export async function paramFromTensor(name: string, t: Tensor): Promise<Param> {
  if (t.dtype !== 'float32')
    throw new ShapeError('param', `param '${name}': parameters must be float32, got ${t.dtype}`);
  return param(name, t.shape, await t.data());
}

/** A leaf tensor holding a copy of the parameter's current values, ready to collect a gradient. */
export function paramTensor(p: Param, backend: Backend = defaultBackend()): Tensor {
  return tensor(p.data, p.shape, 'float32', backend).named(p.name).requireGrad();
}

/**
 * The gradients the optimizer receives: a copy of each tensor's `.grad` (clipping scales it in
 * place, and the tensor must stay unchanged), or null where the tensor got none (the optimizer
 * then skips it, as PyTorch does). Pass `into` to reuse last step's arrays instead of allocating.
 */
export async function gradsOf(
  tensors: readonly Tensor[],
  into: (Float32Array | null)[] = [],
): Promise<(Float32Array | null)[]> {
  return Promise.all(
    tensors.map(async (t, i) => {
      if (!t.grad) return null;
      const g = await t.grad.data();
      const out = into[i]?.length === g.length ? into[i]! : new Float32Array(g.length);
      out.set(g);
      return out;
    }),
  );
}
