import type { Backend } from './backend.ts';
import { defaultBackend } from './context.ts';
import { allocStorage, checkBackendDType, type DType, type Shape, sizeOf, type Tensor } from './tensor.ts';

/** A tensor from flat row-major values. */
export function tensor(
  data: ArrayLike<number>,
  shape: Shape,
  dtype: DType = 'float32',
  backend: Backend = defaultBackend(),
): Tensor {
  const size = sizeOf(shape);
  if (data.length !== size) {
    throw new RangeError(`tensor: shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
  }
  checkBackendDType('tensor', backend, [{ dtype }]);
  const storage = allocStorage(dtype, size);
  storage.set(data as ArrayLike<number>);
  return backend.upload(storage, shape, dtype);
}

export function scalar(value: number, backend: Backend = defaultBackend(), dtype: DType = 'float32'): Tensor {
  return tensor([value], [], dtype, backend);
}

/** A scalar of `like`'s dtype on its backend: constants inside vjps must not round float64 to float32. */
export function scalarLike(value: number, like: Tensor): Tensor {
  return tensor([value], [], like.dtype, like.backend);
}

export function fill(
  shape: Shape,
  value: number,
  backend: Backend = defaultBackend(),
  dtype: DType = 'float32',
): Tensor {
  checkBackendDType('fill', backend, [{ dtype }]);
  const storage = allocStorage(dtype, sizeOf(shape));
  if (value !== 0) storage.fill(value);
  return backend.upload(storage, shape, dtype);
}

export function zeros(shape: Shape, backend: Backend = defaultBackend(), dtype: DType = 'float32'): Tensor {
  return fill(shape, 0, backend, dtype);
}

export function ones(shape: Shape, backend: Backend = defaultBackend(), dtype: DType = 'float32'): Tensor {
  return fill(shape, 1, backend, dtype);
}

/**
 * The same values as a new leaf tensor of another dtype (no tape entry: use it on inputs and
 * parameters, like `.double()` before requires_grad_()). float64 → float32 rounds.
 */
export function astype(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  return tensor(t.dataSync(), t.shape, dtype, t.backend);
}

/** The same values on another backend. */
export async function toBackend(t: Tensor, backend: Backend): Promise<Tensor> {
  if (t.backend === backend) return t;
  checkBackendDType('toBackend', backend, [t]);
  return backend.upload(await t.data(), t.shape, t.dtype);
}
