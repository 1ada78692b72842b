import type { Backend } from './backend.ts';
import { defaultBackend } from './context.ts';
import { type DType, type Shape, type Storage, sizeOf, type Tensor } from './tensor.ts';

function storageFor(dtype: DType, size: number): Storage {
  return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
}

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
  const storage = storageFor(dtype, size);
  storage.set(data as ArrayLike<number>);
  return backend.upload(storage, shape, dtype);
}

export function scalar(value: number, backend: Backend = defaultBackend()): Tensor {
  return tensor([value], [], 'float32', backend);
}

export function fill(
  shape: Shape,
  value: number,
  backend: Backend = defaultBackend(),
  dtype: DType = 'float32',
): Tensor {
  const storage = storageFor(dtype, sizeOf(shape));
  if (value !== 0) storage.fill(value);
  return backend.upload(storage, shape, dtype);
}

export function zeros(shape: Shape, backend: Backend = defaultBackend()): Tensor {
  return fill(shape, 0, backend);
}

export function ones(shape: Shape, backend: Backend = defaultBackend()): Tensor {
  return fill(shape, 1, backend);
}

/** The same values on another backend. */
export async function toBackend(t: Tensor, backend: Backend): Promise<Tensor> {
  if (t.backend === backend) return t;
  return backend.upload(await t.data(), t.shape, t.dtype);
}
