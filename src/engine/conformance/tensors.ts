import type { Backend } from '../backend.ts';
import { tensor } from '../create.ts';
import type { Tensor } from '../tensor.ts';
import type { RefTensor } from './types.ts';

/** A reference tensor on a backend: int64 becomes int32 (indices, class targets). */
export function fromRef(t: RefTensor, backend: Backend): Tensor {
  return tensor(t.data, t.shape, t.dtype === 'int64' || t.dtype === 'bool' ? 'int32' : 'float32', backend);
}
