/**
 * A document ready to train: its data loaded (dataset nodes), compiled for the batch size the
 * dataset's sampler binds N to, and a Trainer over it. What the CLI and the worker both open.
 */
import type { GraphDocument, GraphNode, NodeId } from '../graph/document.ts';
import { inferShapes } from '../graph/infer.ts';
import type { Catalog } from '../nodes/catalog.ts';
import { defaultsOf } from '../nodes/define.ts';
import type { DatasetIO } from '../nodes/sources/dataset.ts';
import { loadDocumentData } from './feed.ts';
import type { Backend } from '../engine/backend.ts';
import { type PrecompileStats, precompileStep } from '../engine/backends/webgpu/precompile.ts';
import { type CompileFn, type TrainConfig, Trainer } from '../engine/runtime/train.ts';
import { compileGraph } from './compile.ts';

export interface SessionOptions {
  catalog: Catalog;
  backend: Backend;
  /** where dataset nodes read files (Node: the file system; the editor: picked files) */
  io?: DatasetIO;
  /** overrides of the run config; the dataset node's sampler gives the defaults */
  config?: Partial<TrainConfig>;
}

/**
 * Compile `doc` for the given symbol sizes, Linear → activation fused (engine/compile/fuse.ts),
 * throwing its first compile error (which names the node).
 */
export function compilerFor(
  doc: Pick<GraphDocument, 'nodes' | 'edges' | 'meta'>,
  catalog: Catalog,
): CompileFn {
  return (symbols) => {
    const result = compileGraph(doc, { catalog, symbols, fuse: true });
    if (!result.ok) throw result.errors[0];
    return result.plan;
  };
}

export async function openTrainingSession(
  doc: GraphDocument,
  options: SessionOptions,
): Promise<{ trainer: Trainer; classes?: number; precompiled: PrecompileStats | null }> {
  const data = await loadDocumentData(doc, options.catalog, options.io);
  if (data.datasets.length === 0) {
    throw new Error(
      'the graph has no dataset node to train on (MNIST, CSVDataset, IDXDataset, TwoSpirals, ...): connect one in place of the Input nodes',
    );
  }
  const config: TrainConfig = {
    batchSize: data.sampler.batchSize,
    shuffle: data.sampler.shuffle,
    seed: data.sampler.seed,
    epochs: 1,
    ...options.config,
  };
  const trainer = new Trainer(compilerFor(doc, options.catalog), data.feed, options.backend, config);
  // the first step's shaders compile now, in parallel, instead of one by one on first dispatch
  const precompiled = await precompileStep(options.backend, trainer.plan, trainer.precompileHints()).catch(
    () => null, // the first step reports what went wrong, in its own words
  );
  return { trainer, classes: data.classes, precompiled };
}

/**
 * Feed a document's Input nodes from a dataset node instead: the float Input whose shape
 * matches the dataset's `x` and the Input whose dtype and rank match its `y` are replaced by
 * one node of `type` (so a template written with Inputs trains on MNIST, Fashion-MNIST, ...).
 */
export function withDatasetForInputs(
  doc: GraphDocument,
  catalog: Catalog,
  type: string,
  params: Record<string, unknown>,
): GraphDocument {
  const def = catalog.get(type);
  if (def?.group !== 'sources' || def.outputs.length !== 2)
    throw new Error(`'${type}' is not a dataset node type`);
  const id = 'node:dataset' as NodeId;
  const dataset: GraphNode = {
    id,
    type,
    params: { ...defaultsOf(def), ...params } as GraphNode['params'],
    position: { x: -200, y: 0 },
  };
  const probe = inferShapes({ nodes: [...doc.nodes, dataset], edges: doc.edges }, catalog);
  const [x, y] = def.outputs.map((o) => probe.nodes.get(id)?.outputs[o.name] ?? null);
  if (!x || !y)
    throw new Error(
      `${type}: ${probe.nodes.get(id)?.diagnostics[0]?.message ?? 'its outputs have no shape'}`,
    );
  const inputs = doc.nodes.filter((n) => n.type === 'Input');
  const typeOf = (n: GraphNode) => probe.nodes.get(n.id)?.outputs.output ?? null;
  const same = (a: { dtype: string; dims: unknown[] } | null, b: { dtype: string; dims: unknown[] }) =>
    !!a &&
    a.dtype === b.dtype &&
    a.dims.length === b.dims.length &&
    a.dims.every((d, i) => i === 0 || d === b.dims[i]);
  const forX = inputs.find((n) => same(typeOf(n), x));
  const forY = inputs.find((n) => n !== forX && same(typeOf(n), y));
  if (!forX || !forY) {
    throw new Error(
      `${type} gives x ${JSON.stringify(x.dims)} (${x.dtype}) and y ${JSON.stringify(y.dims)} (${y.dtype}); the graph has no Input nodes of those shapes to replace`,
    );
  }
  const port = new Map([
    [forX.id, def.outputs[0].name],
    [forY.id, def.outputs[1].name],
  ]);
  return {
    ...doc,
    nodes: [dataset, ...doc.nodes.filter((n) => !port.has(n.id))],
    edges: doc.edges.map((e) =>
      port.has(e.from.node) ? { ...e, from: { node: id, port: port.get(e.from.node) as string } } : e,
    ),
  };
}
