import { type NarrowAttrs, narrowWindow } from '../../../ops/narrow.ts';
import { type PadAttrs, type PadBackwardAttrs, padsPerDim } from '../../../ops/pad.ts';
import { type SliceAttrs, type SliceBackwardAttrs, sliceWindow, type Window } from '../../../ops/slice.ts';
import { type Shape, sizeOf, stridesOf } from '../../../tensor.ts';
import { broadcastStrides } from '../../cpu/elementwise.ts';
import { f32Bits, type GpuRuntime, type GpuStorage } from '../runtime.ts';
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
export function stridedCopy(
  rt: GpuRuntime,
  label: string,
  src: GpuStorage,
  dst: GpuStorage,
  plan: CopyPlan,
): void {
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
  stridedCopy(rt, label, x.storage, y, {
    shape: dims.map((d) => x.shape[d]),
    inStrides: dims.map((d) => strides[d]),
  });
  return y;
}

function normalize(d: number, rank: number): number {
  return d < 0 ? d + rank : d;
}

export const reshapeKernel: GpuKernel = ({ rt, inputs: [x] }) => [rt.share(x!.storage)];

export const permuteKernel: GpuKernel<{ dims: number[] }> = ({ rt, op, inputs: [x], attrs, output }) => {
  const rank = x!.shape.length;
  return [
    permuteInto(
      rt,
      op,
      x!,
      attrs.dims.map((d) => normalize(d, rank)),
      output,
    ),
  ];
};

export const transposeKernel: GpuKernel<{ dim0: number; dim1: number }> = ({
  rt,
  op,
  inputs: [x],
  attrs,
  output,
}) => {
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

/** Set every 32-bit word of `dst` (n of them) to `bits`. */
export function fillWords(rt: GpuRuntime, label: string, dst: GpuStorage, n: number, bits: number): void {
  rt.dispatch({ kernel: 'fill', meta: [n, bits >>> 0], outputs: [dst], inputs: [], threads: n, label });
}

/** A window along one dim (narrow, slice): a strided copy starting at `start`, `step` apart. */
function windowKernel(window: (shape: Shape, attrs: any) => Window): GpuKernel {
  return ({ rt, op, inputs: [x], attrs, outs, output }) => {
    const w = window(x!.shape, attrs);
    const strides = stridesOf(x!.shape);
    const y = output();
    stridedCopy(rt, op, x!.storage, y, {
      shape: outs[0].shape,
      inStrides: strides.map((s, d) => (d === w.dim ? s * w.step : s)),
      inOffset: w.start * (strides[w.dim] ?? 0),
    });
    return [y];
  };
}

export const narrowKernel = windowKernel(narrowWindow as (s: Shape, a: NarrowAttrs) => Window);
export const sliceKernel = windowKernel(sliceWindow as (s: Shape, a: SliceAttrs) => Window);

/** Zeros of the input's shape with the window set to dy. */
export const sliceBackwardKernel: GpuKernel<SliceBackwardAttrs> = ({
  rt,
  op,
  inputs: [dy],
  attrs,
  outs,
  output,
}) => {
  const y = output();
  fillWords(rt, op, y, sizeOf(outs[0].shape), 0);
  const strides = stridesOf(attrs.shape);
  stridedCopy(rt, op, dy!.storage, y, {
    shape: dy!.shape,
    inStrides: stridesOf(dy!.shape),
    outStrides: strides.map((s, d) => (d === attrs.dim ? s * attrs.step : s)),
    outOffset: attrs.start * strides[attrs.dim],
  });
  return [y];
};

/** Each input copied into its block of the output (torch.cat skips legacy 1-D empties). */
export const concatKernel: GpuKernel<{ dim: number }> = ({ rt, op, inputs, attrs, outs, output }) => {
  const y = output();
  const shape = outs[0].shape;
  const parts = inputs.filter((t) => t !== null && !(t.shape.length === 1 && t.shape[0] === 0));
  if (parts.length === 0) return [y];
  const d = attrs.dim < 0 ? attrs.dim + shape.length : attrs.dim;
  const outStrides = stridesOf(shape);
  let offset = 0;
  for (const part of parts) {
    stridedCopy(rt, op, part!.storage, y, {
      shape: part!.shape,
      inStrides: stridesOf(part!.shape),
      outStrides,
      outOffset: offset * outStrides[d],
    });
    offset += part!.shape[d];
  }
  return [y];
};

const PAD_MODES = { constant: 0, reflect: 1, replicate: 2, circular: 3 } as const;

export const padKernel: GpuKernel<PadAttrs> = ({ rt, op, inputs: [x], attrs, outs, output }) => {
  const shape = outs[0].shape;
  const rank = shape.length;
  const y = output();
  const lo = padsPerDim(rank, attrs.pad).map(([l]) => l >>> 0);
  const value = x!.dtype === 'int32' ? attrs.value | 0 : f32Bits(attrs.value);
  rt.dispatch({
    kernel: 'pad',
    meta: [
      sizeOf(shape),
      rank,
      PAD_MODES[attrs.mode],
      value >>> 0,
      ...shape,
      ...x!.shape,
      ...stridesOf(x!.shape),
      ...lo,
    ],
    inputs: [x!.storage],
    outputs: [y],
    threads: sizeOf(shape),
    label: op,
  });
  return [y];
};

/** One pass per padded dim, each summing the copies of an input index back into it. */
export const padBackwardKernel: GpuKernel<PadBackwardAttrs> = ({ rt, op, inputs: [dy], attrs, output }) => {
  const pairs = padsPerDim(attrs.shape.length, attrs.pad);
  const padded = pairs.flatMap(([lo, hi], d) => (lo !== 0 || hi !== 0 ? [d] : []));
  if (padded.length === 0) return [rt.share(dy!.storage)];
  let current = { storage: dy!.storage, shape: [...dy!.shape] };
  padded.forEach((d, k) => {
    const shape = current.shape.map((s, i) => (i === d ? attrs.shape[d] : s));
    const last = k === padded.length - 1;
    const next = last ? output() : rt.alloc(sizeOf(shape) * 4, `${op} pass ${k}`, op);
    rt.dispatch({
      kernel: 'pad_backward',
      meta: [
        sizeOf(shape),
        shape.length,
        d,
        PAD_MODES[attrs.mode],
        attrs.shape[d],
        pairs[d][0] >>> 0,
        current.shape[d],
        ...shape,
        ...stridesOf(current.shape),
      ],
      inputs: [current.storage],
      outputs: [next],
      threads: sizeOf(shape),
      label: op,
    });
    if (current.storage !== dy!.storage) rt.release(current.storage);
    current = { storage: next, shape };
  });
  return [current.storage];
};
