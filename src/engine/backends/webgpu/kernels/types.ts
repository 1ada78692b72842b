import type { DType, Shape, TensorMeta } from '../../../tensor.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';

/** A tensor as a WebGPU kernel sees it. */
export interface GpuTensor {
  storage: GpuStorage;
  shape: Shape;
  dtype: DType;
  size: number;
}

/** One op call: the runtime to dispatch on, the inputs (null for an absent optional one). */
export interface KernelCall<A> {
  rt: GpuRuntime;
  op: string;
  inputs: (GpuTensor | null)[];
  attrs: A;
  /** output metas from the op's shape rule */
  outs: TensorMeta[];
  /** a fresh buffer for output i, sized from its meta */
  output(i?: number): GpuStorage;
}

/** A WebGPU forward: dispatches kernels and returns one storage per output. */
export type GpuKernel<A = any> = (call: KernelCall<A>) => GpuStorage[];
