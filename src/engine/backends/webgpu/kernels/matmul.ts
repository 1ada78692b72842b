import { sizeOf } from '../../../tensor.ts';
import { broadcastStrides } from '../../cpu/elementwise.ts';
import type { GpuRuntime, GpuStorage } from '../runtime.ts';
import type { GpuKernel } from './types.ts';

/** Workgroups below which a product gets 32×32 tiles instead of 64×64 (more of them in flight). */
const FEW_WORKGROUPS = 64;

/** Threads per side of the matmul workgroup: 16 (64×64 tiles) unless that leaves the GPU idle. */
export function tileThreads(M: number, N: number, batches: number): 8 | 16 {
  return Math.ceil(M / 64) * Math.ceil(N / 64) * batches < FEW_WORKGROUPS ? 8 : 16;
}

export interface GemmSpec {
  M: number;
  N: number;
  K: number;
  /** broadcast batch shape and each operand's strides over it, counted in matrices */
  batch: number[];
  aBatchStrides: number[];
  bBatchStrides: number[];
  /** B is stored [N, K] (a linear layer's weight) */
  transB?: boolean;
  /** A is stored [K, M] (dYᵀ in a weight gradient) */
  transA?: boolean;
  bias?: GpuStorage;
  /** a one-element bias added to every column */
  biasBroadcast?: boolean;
  /** WGSL of one f32 `x` applied to each element as it is written (linear_act's activation) */
  activation?: string;
}

/** C[batch, M, N] = act(A·B (+ bias)) with the tiled kernel (gpu/matmul.wgsl). */
export function gemm(
  rt: GpuRuntime,
  label: string,
  a: GpuStorage,
  b: GpuStorage,
  c: GpuStorage,
  spec: GemmSpec,
): void {
  const { M, N, K, batch } = spec;
  const hasBias = spec.bias !== undefined;
  const ts = tileThreads(M, N, sizeOf(batch));
  const tile = 4 * ts;
  rt.inSlices(sizeOf(batch), (first, count) =>
    rt.dispatch({
      kernel: 'matmul',
      defines: {
        TS: ts,
        TRANS_A: spec.transA ? 1 : 0,
        TRANS_B: spec.transB ? 1 : 0,
        BIAS_DECL: hasBias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;' : '',
        BIAS_READ: hasBias ? (spec.biasBroadcast ? 'return bias[0];' : 'return bias[col];') : 'return 0.0;',
        OUT_BINDING: hasBias ? 4 : 3,
        ACT: spec.activation ?? 'x',
      },
      meta: [M, N, K, batch.length, ...batch, ...spec.aBatchStrides, ...spec.bBatchStrides, first],
      inputs: hasBias ? [a, b, spec.bias!] : [a, b],
      outputs: [c],
      workgroups: [Math.ceil(N / tile), Math.ceil(M / tile), count],
      label,
    }),
  );
}

/** torch.matmul: 1-D operands promoted, batch dims broadcast, or folded into M when B is 2-D. */
export const matmulKernel: GpuKernel = ({ rt, op, inputs: [a, b], output }) => {
  const pa = a!.shape.length === 1 ? [1, a!.shape[0]] : [...a!.shape];
  const pb = b!.shape.length === 1 ? [b!.shape[0], 1] : [...b!.shape];
  const K = pa[pa.length - 1];
  const N = pb[pb.length - 1];
  const y = output();
  if (pb.length === 2) {
    // one weight for every batch entry: fold the batch into rows, one big GEMM
    const M = sizeOf(pa.slice(0, -1));
    gemm(rt, op, a!.storage, b!.storage, y, { M, N, K, batch: [], aBatchStrides: [], bBatchStrides: [] });
    return [y];
  }
  const M = pa[pa.length - 2];
  const ba = pa.slice(0, -2);
  const bb = pb.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const batch = Array.from({ length: rank }, (_, i) => {
    const x = ba[i - (rank - ba.length)] ?? 1;
    const z = bb[i - (rank - bb.length)] ?? 1;
    return x === 1 ? z : x;
  });
  gemm(rt, op, a!.storage, b!.storage, y, {
    M,
    N,
    K,
    batch,
    aBatchStrides: broadcastStrides(ba, batch),
    bBatchStrides: broadcastStrides(bb, batch),
  });
  return [y];
};
