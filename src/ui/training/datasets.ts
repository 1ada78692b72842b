/**
 * Datasets for a training run in the editor: IDX files (MNIST / Fashion-MNIST, gzipped or
 * raw) picked or dropped, checked the moment they arrive, and the document the worker trains
 * (the editor's graph with its data source filled in; the editor's document is never changed).
 */
import type { GraphDocument, GraphNode } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { datasetLoaders } from '../../nodes/sources/dataset.ts';
import { IdxFormatError, maybeGunzip, parseIdx } from '../../nodes/sources/idx.ts';
import { withDatasetForInputs } from '../../training/session.ts';

/** One checked IDX file: its bytes (decompressed) and what it holds. */
export interface PickedFile {
  name: string;
  bytes: Uint8Array;
  role: 'images' | 'labels';
  /** [n, H, W] for images, [n] for labels */
  dims: number[];
  /** labels only: the largest label + 1 */
  classes?: number;
}

/** File names the IDX intake takes (other drops go to the document opener). */
export function isIdxFileName(name: string): boolean {
  return /(-idx\d-ubyte|\.idx\d?|ubyte)(\.gz)?$/i.test(name) || /\.gz$/i.test(name);
}

/** Parse and classify one file; throws IdxFormatError naming the file and what is wrong. */
export function inspectIdxFile(name: string, raw: Uint8Array): PickedFile {
  // decompressed once here, so the worker does not inflate the files a second time
  const bytes = maybeGunzip(raw, name);
  const parsed = parseIdx(bytes, name);
  if (parsed.dims.length === 3) return { name, bytes, role: 'images', dims: parsed.dims };
  if (parsed.dims.length === 1) {
    let max = -1;
    for (let i = 0; i < parsed.data.length; i++) {
      const v = parsed.data[i];
      if (!Number.isInteger(v) || v < 0)
        throw new IdxFormatError(name, `label ${i} is ${v}: labels must be integers ≥ 0`);
      if (v > max) max = v;
    }
    return { name, bytes, role: 'labels', dims: parsed.dims, classes: max + 1 };
  }
  throw new IdxFormatError(
    name,
    `holds a ${parsed.dims.length}-d array [${parsed.dims.join(', ')}]: expected images [n, H, W] or labels [n]`,
  );
}

export interface IdxPairs {
  /** IDXDataset params naming the picked files */
  params: Record<string, string | number>;
  /** the pairs in words, for the dock and the run record */
  description: string;
}

const looksLikeTest = (name: string) => /t10k|test/i.test(name);

/**
 * Pair images with labels of the same count; the larger pair trains, a second one tests
 * (names with t10k / test go to test when counts tie). Null when no complete pair was picked.
 */
export function idxPairs(files: readonly PickedFile[]): IdxPairs | null {
  const labels = files.filter((f) => f.role === 'labels');
  const pairs = files
    .filter((f) => f.role === 'images')
    .flatMap((images) => {
      const match = labels.filter((l) => l.dims[0] === images.dims[0]);
      const best = match.find((l) => looksLikeTest(l.name) === looksLikeTest(images.name)) ?? match[0];
      return best ? [{ images, labels: best }] : [];
    })
    .sort(
      (a, b) =>
        b.images.dims[0] - a.images.dims[0] ||
        Number(looksLikeTest(a.images.name)) - Number(looksLikeTest(b.images.name)),
    );
  const [train, test] = pairs;
  if (!train) return null;
  const [, height, width] = train.images.dims;
  const classes = Math.max(train.labels.classes ?? 0, test?.labels.classes ?? 0);
  const params = {
    train_images: train.images.name,
    train_labels: train.labels.name,
    test_images: test?.images.name ?? '',
    test_labels: test?.labels.name ?? '',
    height,
    width,
    classes,
  };
  const count = (p: typeof train) => `${p.images.dims[0].toLocaleString('en-US')} ${height}×${width}`;
  const description = `IDX files: ${count(train)} to train${test ? `, ${count(test)} to test` : ' (no test pair)'}, ${classes} classes`;
  return { params, description };
}

/** The picked files by name, as the worker's dataset IO reads them. */
export function filesByName(files: readonly PickedFile[]): Record<string, Uint8Array> {
  return Object.fromEntries(files.map((f) => [f.name, f.bytes]));
}

export interface TrainableDocument {
  doc: GraphDocument;
  /** where the data comes from, in words */
  dataset: string;
}

/**
 * The document the worker trains: the editor's graph as it is when it has a dataset node
 * (an IDXDataset node reads the picked files when a pair was picked); otherwise its Input
 * nodes fed by the picked IDX pair, or by the bundled MNIST digits. Throws when neither fits.
 */
export function trainableDocument(
  doc: GraphDocument,
  catalog: Catalog,
  files: readonly PickedFile[],
): TrainableDocument {
  const pairs = idxPairs(files);
  const datasets = doc.nodes.filter((n) => datasetLoaders.has(n.type));
  if (datasets.length > 0) {
    const idxNodes = datasets.filter((n) => n.type === 'IDXDataset');
    if (!pairs || idxNodes.length === 0)
      return { doc, dataset: datasets.map((n) => n.label ?? n.type).join(', ') };
    const withFiles = (n: GraphNode): GraphNode =>
      n.type === 'IDXDataset' ? { ...n, params: { ...n.params, ...pairs.params } } : n;
    return { doc: { ...doc, nodes: doc.nodes.map(withFiles) }, dataset: pairs.description };
  }
  if (pairs) {
    return {
      doc: withDatasetForInputs(doc, catalog, 'IDXDataset', pairs.params),
      dataset: `${pairs.description}, in place of the Input nodes`,
    };
  }
  return {
    doc: withDatasetForInputs(doc, catalog, 'MNIST', {}),
    dataset: 'MNIST (bundled: 8,000 train / 2,000 test), in place of the Input nodes',
  };
}
