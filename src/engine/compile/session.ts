/**
 * A document ready to train: its data loaded (dataset nodes), compiled for the batch size the
 * dataset's sampler binds N to, and a Trainer over it. What the CLI and the worker both open.
 */
import type { GraphDocument } from '../../graph/document.ts';
import type { Catalog } from '../../nodes/catalog.ts';
import type { DatasetIO } from '../../nodes/sources/dataset.ts';
import { loadDocumentData } from '../../nodes/sources/feed.ts';
import type { Backend } from '../backend.ts';
import { type CompileFn, type TrainConfig, Trainer } from '../runtime/train.ts';
import { compileGraph } from './compile.ts';

export interface SessionOptions {
  catalog: Catalog;
  backend: Backend;
  /** where dataset nodes read files (Node: the file system; the editor: picked files) */
  io?: DatasetIO;
  /** overrides of the run config; the dataset node's sampler gives the defaults */
  config?: Partial<TrainConfig>;
}

/** Compile `doc` for the given symbol sizes, throwing its first compile error (which names the node). */
export function compilerFor(doc: Pick<GraphDocument, 'nodes' | 'edges' | 'meta'>, catalog: Catalog): CompileFn {
  return (symbols) => {
    const result = compileGraph(doc, { catalog, symbols });
    if (!result.ok) throw result.errors[0];
    return result.plan;
  };
}

export async function openTrainingSession(doc: GraphDocument, options: SessionOptions): Promise<{ trainer: Trainer; classes?: number }> {
  const data = await loadDocumentData(doc, options.catalog, options.io);
  if (data.datasets.length === 0) {
    throw new Error('the graph has no dataset node to train on (MNIST, CSVDataset, IDXDataset, TwoSpirals, ...): connect one in place of the Input nodes');
  }
  const config: TrainConfig = {
    batchSize: data.sampler.batchSize,
    shuffle: data.sampler.shuffle,
    seed: data.sampler.seed,
    epochs: 1,
    ...options.config,
  };
  const trainer = new Trainer(compilerFor(doc, options.catalog), data.feed, options.backend, config);
  return { trainer, classes: data.classes };
}
