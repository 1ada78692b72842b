/**
 * What the backward pass runs on: the whole sampled batch, or one chosen example of it. One
 * example is row i of every batched source, fed through the graph alone (N = 1) with the same
 * parameters, so each gradient the stepper shows is that example's own — the "a chosen example
 * or a batch" of backward mode.
 */
import { type GraphDocument, inferShapes } from '../../graph/index.ts';
import {
  type BackwardStepper,
  createStepper,
  runForward,
  StepperError,
  type StepperOptions,
} from '../../graph/stepper.ts';
import type { Catalog } from '../../nodes/catalog.ts';

/** `null`: the whole batch; a number: that example of it. */
export type SampleChoice = number | null;

/** The batch dim: the symbol the sample batch size is bound to. */
const BATCH = 'N';

/** The values at `index` along `axis` of a row-major tensor (the axis dropped). */
export function sliceAlong(
  shape: readonly number[],
  data: ArrayLike<number>,
  axis: number,
  index: number,
): number[] {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const size = shape[axis];
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    const start = (o * size + index) * inner;
    for (let i = 0; i < inner; i++) out.push(data[start + i]);
  }
  return out;
}

/**
 * Feeds that make a run with N = 1 see example `index` of the batch `options` samples: for
 * every source node output whose type has the batch dim, that example's slice (keyed
 * `<node id>#<k>` by output). Sources without a batch dim are sampled the same way either run.
 */
export function exampleFeeds(
  doc: GraphDocument,
  catalog: Catalog,
  options: StepperOptions,
  index: number,
): Record<string, number[]> {
  const batch = runForward(doc, catalog, options);
  const types = inferShapes(doc, catalog);
  const feeds: Record<string, number[]> = {};
  for (const node of doc.nodes) {
    const def = catalog.get(node.type);
    const outputs = batch.values.get(node.id);
    if (!def || def.inputs.length > 0 || def.group !== 'sources' || !outputs) continue;
    def.outputs.forEach((port, k) => {
      const t = outputs[port.name];
      const axis = types.nodes.get(node.id)?.outputs[port.name]?.dims.indexOf(BATCH) ?? -1;
      if (t && axis >= 0 && index < t.shape[axis])
        feeds[`${node.id}#${k}`] = sliceAlong(t.shape, t.dataSync(), axis, index);
    });
  }
  return feeds;
}

/** A stepper over the batch, or over one example of it. */
export function createSampleStepper(
  doc: GraphDocument,
  catalog: Catalog,
  options: StepperOptions,
  sample: SampleChoice,
): BackwardStepper | StepperError {
  if (sample === null) return createStepper(doc, catalog, options);
  let feeds: Record<string, number[]>;
  try {
    feeds = exampleFeeds(doc, catalog, options, sample);
  } catch (e) {
    return new StepperError('forward_failed', e instanceof Error ? e.message : String(e));
  }
  return createStepper(doc, catalog, {
    ...options,
    feeds: { ...options.feeds, ...feeds },
    symbols: { ...options.symbols, [BATCH]: 1 },
  });
}
