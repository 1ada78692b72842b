import { broadcastStrides } from '../../cpu/elementwise.ts';
import { type Shape, sizeOf, stridesOf } from '../../../tensor.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
import type { GpuKernel } from './types.ts';

/** The index space and the strides on each side of one strided copy (gpu/strided_copy.wgsl). */
export interface CopyPlan {
  shape: Shape;
  inStrides: readonly number[];
  inOffset?: number;
  outStrides?: readonly number[];
  outOffset?: number;
}

/** Copy `plan.shape` elements from src to dst; dst defaults to row-major over the shape. */
export function stridedCopy(rt: GpuRuntime, label: string, src: GpuStorage, dst: GpuStorage, plan: CopyPlan): void {
  const { shape } = plan;
  rt.dispatch({
    kernel: 'strided_copy',
    meta: [
      sizeOf(shape),
      shape.length,
      plan.inOffset ?? 0,
      plan.outOffset ?? 0,
      ...shape,
      ...plan.inStrides,
      ...(plan.outStrides ?? stridesOf(shape)),
    ],
    inputs: [src],
    outputs: [dst],
    threads: sizeOf(shape),
    label,
  });
}

/** Materialise x permuted by `dims` (a no-op permutation shares the buffer). */
export function permuteInto(
  rt: GpuRuntime,
  label: string,
  x: { storage: GpuStorage; shape: Shape },
  dims: readonly number[],
  out: () => GpuStorage,
): GpuStorage {
  if (dims.every((d, i) => d === i)) return rt.share(x.storage);
  const strides = stridesOf(x.shape);
  const y = out();
  stridedCopy(rt, label, x.storage, y, { shape: dims.map((d) => x.shape[d]), inStrides: dims.map((d) => strides[d]) });
  return y;
}

function normalize(d: number, rank: number): number {
  return d < 0 ? d + rank : d;
}

export const reshapeKernel: GpuKernel = ({ rt, inputs: [x] }) => [rt.share(x!.storage)];

export const permuteKernel: GpuKernel<{ dims: number[] }> = ({ rt, op, inputs: [x], attrs, output }) => {
  const rank = x!.shape.length;
  return [permuteInto(rt, op, x!, attrs.dims.map((d) => normalize(d, rank)), output)];
};

export const transposeKernel: GpuKernel<{ dim0: number; dim1: number }> = ({ rt, op, inputs: [x], attrs, output }) => {
  const rank = x!.shape.length;
  const dims = Array.from({ length: rank }, (_, i) => i);
  if (rank > 0) {
    const a = normalize(attrs.dim0, rank);
    const b = normalize(attrs.dim1, rank);
    [dims[a], dims[b]] = [dims[b], dims[a]];
  }
  return [permuteInto(rt, op, x!, dims, output)];
};

export const expandKernel: GpuKernel = ({ rt, op, inputs: [x], outs, output }) => {
  const shape = outs[0].shape;
  if (sizeOf(shape) === x!.size) return [rt.share(x!.storage)];
  const y = output();
  stridedCopy(rt, op, x!.storage, y, { shape, inStrides: broadcastStrides(x!.shape, shape) });
  return [y];
};
