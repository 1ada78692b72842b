/**
 * The trainer's data feed for a document: loads every dataset node's data once and serves
 * batches of it by sample index. The batch sampler's params come from the dataset node
 * (batch_size binds N, shuffle, seed).
 */
import { ArrayFeed, type DataFeed, type SampleArray } from '../engine/runtime/train-data.ts';
import type { GraphDocument } from '../graph/document.ts';
import type { Catalog } from '../nodes/catalog.ts';
import { defaultsOf } from '../nodes/define.ts';
import { DatasetError, type DatasetIO, datasetLoaders } from '../nodes/sources/dataset.ts';

export interface DocumentData {
  feed: DataFeed;
  /** the sampler settings of the (first) dataset node */
  sampler: { batchSize: number; shuffle: boolean; seed: number };
  /** class count when a dataset says it */
  classes?: number;
  /** the dataset node ids that feed the graph */
  datasets: string[];
}

/** Node's file system as the default IO (a browser passes the files the user picked). */
export const nodeIO: DatasetIO = {
  async readFile(path) {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(path));
  },
};

/**
 * Load the data of every dataset node of a document. `extra` supplies arrays for other
 * sources (Input nodes) by `<node id>:<port>`, for the train split and optionally val.
 */
export async function loadDocumentData(
  doc: Pick<GraphDocument, 'nodes'>,
  catalog: Catalog,
  io: DatasetIO = nodeIO,
  extra: { train: Record<string, SampleArray>; val?: Record<string, SampleArray> } = { train: {} },
): Promise<DocumentData> {
  const train: Record<string, SampleArray> = { ...extra.train };
  const val: Record<string, SampleArray> = { ...extra.val };
  const datasets = doc.nodes.filter((n) => datasetLoaders.has(n.type));
  let classes: number | undefined;
  let hasVal = Object.keys(val).length > 0;
  for (const node of datasets) {
    const def = catalog.get(node.type);
    const params = { ...(def ? defaultsOf(def) : {}), ...node.params };
    let data: Awaited<ReturnType<NonNullable<ReturnType<typeof datasetLoaders.get>>>>;
    try {
      data = await (datasetLoaders.get(node.type) as NonNullable<ReturnType<typeof datasetLoaders.get>>)(
        params,
        io,
      );
    } catch (e) {
      if (e instanceof DatasetError && e.node) throw e;
      throw new DatasetError(node.id, `${node.type} (${node.id}): ${(e as Error).message}`);
    }
    train[`${node.id}:x`] = data.train.x;
    train[`${node.id}:y`] = data.train.y;
    if (data.val) {
      val[`${node.id}:x`] = data.val.x;
      val[`${node.id}:y`] = data.val.y;
      hasVal = true;
    }
    classes ??= data.classes;
  }
  const first = datasets[0];
  const firstParams = first ? { ...defaultsOf(catalog.get(first.type)!), ...first.params } : {};
  const sampler = {
    batchSize: Number(firstParams.batch_size ?? 64),
    shuffle: firstParams.shuffle !== false,
    seed: Number(firstParams.seed ?? 0),
  };
  return {
    feed: new ArrayFeed(train, hasVal ? val : null),
    sampler,
    classes,
    datasets: datasets.map((n) => n.id),
  };
}
