import { allocStorage, dtypeOfStorage, type Shape, type Storage, sizeOf, stridesOf } from '../../tensor.ts';

/** out = x.permute(dims), materialised row-major. */
export function permuteData(data: Storage, shape: Shape, dims: readonly number[]): Storage {
  const rank = shape.length;
  const size = sizeOf(shape);
  const out = allocStorage(dtypeOfStorage(data), size);
  if (rank === 0) {
    out[0] = data[0];
    return out;
  }
  const inStrides = stridesOf(shape);
  const outShape = dims.map((d) => shape[d]);
  const srcStride = dims.map((d) => inStrides[d]);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < size; o++) {
    out[o] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += srcStride[d];
      if (index[d] < outShape[d]) break;
      src -= srcStride[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}
