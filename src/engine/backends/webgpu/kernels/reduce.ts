import { reducedDims } from '../../../ops/_reduce.ts';
import { type DType, type Shape, sizeOf, stridesOf } from '../../../tensor.ts';
import { f32Bits, type GpuRuntime, type GpuStorage } from '../runtime.ts';
import type { GpuKernel } from './types.ts';

export type Reduction = 'sum' | 'max';

/** WGSL has no f64: float64 tensors never reach a WebGPU kernel (see checkBackendDType) */
type GpuDType = Exclude<DType, 'float64'>;

interface ReductionCode {
  combine: Record<GpuDType, string>;
  identity: Record<GpuDType, string>;
}

const CODE: Record<Reduction, ReductionCode> = {
  sum: { combine: { float32: 'a + b', int32: 'a + b' }, identity: { float32: '0.0', int32: '0' } },
  // −∞ (the lowest int) is max's identity (an empty max is refused by the shape rule); a NaN
  // wins, as in torch.amax (WGSL's max may return either operand for NaN)
  max: {
    combine: { float32: 'select(max(a, b), a + b, is_nan(a) || is_nan(b))', int32: 'max(a, b)' },
    identity: { float32: 'neg_inf()', int32: 'i32(-2147483647 - 1)' },
  },
};

/** Elements one workgroup folds before a second pass takes over (see gpu/reduce_common.wgsl). */
const CHUNK = 4096;

/**
 * Reduce x over the dims in `reduced`, writing the kept dims row-major into out, times
 * `scale` (1/count for a mean). Long reductions get a workgroup each (tree reduction in
 * shared memory); short ones an invocation each.
 */
export function reduceInto(
  rt: GpuRuntime,
  label: string,
  x: { storage: GpuStorage; shape: Shape; dtype?: DType },
  reduced: ReadonlySet<number>,
  out: GpuStorage,
  how: Reduction,
  scale = 1,
): void {
  const strides = stridesOf(x.shape);
  const kept = x.shape.map((_, d) => d).filter((d) => !reduced.has(d) && x.shape[d] !== 1);
  const red = x.shape.map((_, d) => d).filter((d) => reduced.has(d) && x.shape[d] !== 1);
  const outCount = sizeOf(kept.map((d) => x.shape[d]));
  const redCount = sizeOf(red.map((d) => x.shape[d]));
  const chunks = Math.max(1, Math.ceil(redCount / CHUNK));
  const meta = [
    outCount,
    redCount,
    kept.length,
    red.length,
    f32Bits(chunks > 1 ? 1 : scale),
    Math.min(redCount, CHUNK),
    chunks,
    ...kept.map((d) => x.shape[d]),
    ...kept.map((d) => strides[d]),
    ...red.map((d) => x.shape[d]),
    ...red.map((d) => strides[d]),
  ];
  const dtype: GpuDType = x.dtype === 'int32' ? 'int32' : 'float32';
  const defines = {
    COMBINE: CODE[how].combine[dtype],
    IDENTITY: CODE[how].identity[dtype],
    T: dtype === 'int32' ? 'i32' : 'f32',
    FINISH: dtype === 'int32' ? 'acc' : 'acc * bitcast<f32>(params[4])',
  };
  if (redCount <= 64) {
    rt.dispatch({
      kernel: 'reduce_cols',
      defines,
      meta,
      inputs: [x.storage],
      outputs: [out],
      threads: outCount,
      label,
    });
    return;
  }
  const wg = redCount >= 1024 ? 256 : 64;
  const partials = chunks > 1 ? rt.scratch(outCount * chunks, label) : out;
  rt.dispatch({
    kernel: 'reduce_rows',
    defines: { ...defines, WG: wg },
    meta,
    inputs: [x.storage],
    outputs: [partials],
    threads: outCount * chunks * wg,
    workgroupSize: wg,
    label,
  });
  if (chunks > 1) {
    reduceInto(
      rt,
      label,
      { storage: partials, shape: [outCount, chunks], dtype },
      new Set([1]),
      out,
      how,
      scale,
    );
    rt.release(partials);
  }
}

/** sum_to: sum over the dims along which the target shape was broadcast. */
export const sumToKernel: GpuKernel<{ shape: number[] }> = ({ rt, op, inputs: [x], attrs, output }) => {
  const rank = x!.shape.length;
  const offset = rank - attrs.shape.length;
  const reduced = new Set<number>();
  x!.shape.forEach((d, i) => {
    const target = i - offset >= 0 ? attrs.shape[i - offset] : 1;
    if (target === 1 && d !== 1) reduced.add(i);
  });
  if (reduced.size === 0) return [rt.share(x!.storage)];
  const y = output();
  reduceInto(rt, op, x!, reduced, y, 'sum');
  return [y];
};

type ReduceAttrs = { dim: number | number[] | null; keepdim: boolean };

/** sum / mean / max over `dim` (null: all dims); keepdim only changes the shape, not the data. */
export function reduceKernel(how: Reduction, mean = false): GpuKernel<ReduceAttrs> {
  return ({ rt, op, inputs: [x], attrs, output }) => {
    const dims = reducedDims(op, attrs.dim, x!.shape.length) as number[];
    const count = dims.reduce((n, d) => n * x!.shape[d], 1);
    const y = output();
    reduceInto(rt, op, x!, new Set(dims), y, how, mean ? 1 / count : 1);
    return [y];
  };
}
