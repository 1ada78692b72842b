/**
 * Dataset node types: a source whose outputs are batches of a dataset (`x`, `y`, with the
 * batch dim the symbol N), declared with `defineDataset`, which adds the batch sampler's
 * params (batch_size binds N, shuffle, seed) and registers how to load the data. Loading is
 * separate from the declaration: inference and the palette never touch the data; the
 * trainer's feed (feed.ts) loads it once per run.
 */
import type { SampleArray } from '../../engine/runtime/train-data.ts';
import { defineNode, type NodeDef, tensorPort } from '../define.ts';
import { type ParamSchema, type ParamsOf, p } from '../params.ts';
import type { Dim, PortDef, TensorType } from '../types.ts';

/** One split: features and targets, sample-major. */
export interface DatasetSplit {
  x: SampleArray;
  y: SampleArray;
}

export interface LoadedDataset {
  train: DatasetSplit;
  /** the held-out split: validation (or MNIST's fixed test split); null when there is none */
  val: DatasetSplit | null;
  /** class count, for classification sets */
  classes?: number;
}

/** Where a loader reads files: in Node the file system, in the editor the files the user picked or dropped. */
export interface DatasetIO {
  readFile(path: string): Promise<Uint8Array>;
}

/** A problem with a dataset's data (not its shape): a bad file, a malformed row. */
export class DatasetError extends Error {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

export type DatasetLoader = (params: Record<string, unknown>, io: DatasetIO) => Promise<LoadedDataset>;

/** Every dataset node type's loader, by node type. */
export const datasetLoaders = new Map<string, DatasetLoader>();

/** The batch sampler's params, on every dataset node. */
export const samplerParams = {
  batch_size: p.int({ default: 64, min: 1, doc: 'samples per batch: the size of the symbol N' }),
  shuffle: p.bool({ default: true, doc: 'visit the training samples in a new seeded order each epoch' }),
  seed: p.int({
    default: 0,
    min: 0,
    doc: 'seeds the data (for generated sets), the split and the shuffle order',
  }),
};

/** A held-out fraction for generated and CSV data. */
export const valFractionParam = p.float({
  default: 0.2,
  min: 0,
  max: 0.9,
  doc: 'fraction of the samples held out for validation',
});

type SamplerSchema = typeof samplerParams;

export interface DatasetDecl<S extends ParamSchema> {
  type: string;
  aliases: string[];
  doc: string;
  params: S;
  /** the output types, `N` for the batch */
  outputs(params: ParamsOf<S & SamplerSchema>): { x: TensorType; y: TensorType };
  load(params: ParamsOf<S & SamplerSchema>, io: DatasetIO): Promise<LoadedDataset>;
  xDoc: string;
  yDoc: string;
}

/** Declare a dataset node type: ports x and y, the sampler's params, and its loader. */
export function defineDataset<S extends ParamSchema>(decl: DatasetDecl<S>): NodeDef<S & SamplerSchema> {
  const params = { ...decl.params, ...samplerParams } as S & SamplerSchema;
  const outputs: PortDef[] = [tensorPort('x', { doc: decl.xDoc }), tensorPort('y', { doc: decl.yDoc })];
  const def = defineNode({
    type: decl.type,
    group: 'sources',
    aliases: decl.aliases,
    doc: decl.doc,
    params,
    inputs: [],
    outputs,
    infer: (_inputs, values) => {
      const { x, y } = decl.outputs(values);
      return [x, y];
    },
    // two data sources, in output order: the feed fills them with each batch
    lower: (b, _inputs, values, shapes) => {
      const { x, y } = decl.outputs(values);
      return [b.source(shapes.outputs[0], x.dtype), b.source(shapes.outputs[1], y.dtype)];
    },
    paramCount: () => 0,
  });
  datasetLoaders.set(decl.type, (values, io) => decl.load(values as ParamsOf<S & SamplerSchema>, io));
  return def;
}

/** `[N, ...dims]`. */
export const batched = (dtype: TensorType['dtype'], ...dims: Dim[]): TensorType => ({
  dtype,
  dims: ['N', ...dims],
});

/** Split sample-major arrays into train and held-out parts, by a seeded order. */
export function splitSamples(
  all: DatasetSplit,
  order: ArrayLike<number>,
  trainCount: number,
): { train: DatasetSplit; val: DatasetSplit } {
  const take = (a: SampleArray, from: number, to: number): SampleArray => {
    const row = a.sampleShape.reduce((x, y) => x * y, 1);
    const out = a.dtype === 'int32' ? new Int32Array((to - from) * row) : new Float32Array((to - from) * row);
    for (let i = from; i < to; i++) {
      const src = order[i] * row;
      for (let j = 0; j < row; j++) out[(i - from) * row + j] = a.data[src + j];
    }
    return { data: out, sampleShape: a.sampleShape, dtype: a.dtype };
  };
  const n = order.length;
  return {
    train: { x: take(all.x, 0, trainCount), y: take(all.y, 0, trainCount) },
    val: { x: take(all.x, trainCount, n), y: take(all.y, trainCount, n) },
  };
}
