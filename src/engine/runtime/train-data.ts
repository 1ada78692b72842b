/**
 * What the train loop asks of data: a feed that knows how many samples each split holds and
 * gives, for a list of sample indices, a batch for each data source of the plan. The batch
 * sampler decides the indices: shuffled per epoch from the seed, in batches of N.
 */
import type { PlanSource } from '../compile/plan.ts';
import { Rng } from '../random.ts';
import type { DType } from '../tensor.ts';

export type Split = 'train' | 'val';

/** Values on the host, row-major, ready to upload. */
export interface HostTensor {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: DType;
}

export interface DataFeed {
  size(split: Split): number;
  /** a batch for every source of the plan, keyed by the source's key, for the samples `indices` */
  batch(split: Split, indices: ArrayLike<number>, sources: readonly PlanSource[]): Map<string, HostTensor>;
}

/** One sample-major array per source (node and port): sample i is row i. */
export interface SampleArray {
  data: ArrayLike<number>;
  /** the shape of one sample (empty for a class index) */
  sampleShape: number[];
  dtype: DType;
}

/** Rows `indices` of a sample-major array, as one batch. */
export function gatherRows(a: SampleArray, indices: ArrayLike<number>): HostTensor {
  const rowSize = a.sampleShape.reduce((x, y) => x * y, 1);
  const out =
    a.dtype === 'int32'
      ? new Int32Array(indices.length * rowSize)
      : new Float32Array(indices.length * rowSize);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i] * rowSize;
    if (ArrayBuffer.isView(a.data))
      out.set((a.data as Float32Array).subarray(start, start + rowSize), i * rowSize);
    else for (let j = 0; j < rowSize; j++) out[i * rowSize + j] = a.data[start + j];
  }
  return { data: out, shape: [indices.length, ...a.sampleShape], dtype: a.dtype };
}

/**
 * A feed over arrays held in memory, keyed by `<node id>:<port>`; the `val` split is a
 * separate set of arrays (or none).
 */
export class ArrayFeed implements DataFeed {
  constructor(
    private readonly train: Record<string, SampleArray>,
    private readonly val: Record<string, SampleArray> | null = null,
    private readonly counts = { train: countOf(train), val: val ? countOf(val) : 0 },
  ) {}

  size(split: Split): number {
    return this.counts[split];
  }

  batch(split: Split, indices: ArrayLike<number>, sources: readonly PlanSource[]): Map<string, HostTensor> {
    const arrays = split === 'train' ? this.train : this.val;
    const out = new Map<string, HostTensor>();
    for (const s of sources) {
      const a = arrays?.[`${s.node}:${s.port}`];
      if (!a) throw new Error(`no ${split} data for ${s.nodeType} (${s.node}) output '${s.port}'`);
      out.set(s.key, gatherRows(a, indices));
    }
    return out;
  }
}

function countOf(arrays: Record<string, SampleArray>): number {
  const counts = Object.entries(arrays).map(([k, a]) => {
    const row = a.sampleShape.reduce((x, y) => x * y, 1);
    if (a.data.length % row !== 0)
      throw new Error(`data for ${k}: ${a.data.length} values is not a whole number of samples of ${row}`);
    return a.data.length / row;
  });
  if (counts.some((c) => c !== counts[0]))
    throw new Error(`data sources hold different numbers of samples: ${counts.join(', ')}`);
  return counts[0] ?? 0;
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** The batches of one epoch: indices in order (or shuffled by seed and epoch), N at a time; the last may be short. */
export function epochBatches(
  n: number,
  batchSize: number,
  shuffle: boolean,
  seed: number,
  epoch: number,
): Int32Array[] {
  const order = shuffle
    ? permutation(n, (seed * 1000003 + epoch * 7919) >>> 0)
    : permutation(n, 0).map((_, i) => i);
  const batches: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize)
    batches.push(order.subarray(start, Math.min(n, start + batchSize)));
  return batches;
}
