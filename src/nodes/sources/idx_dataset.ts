import { p } from '../params.ts';
import { batched, type DatasetIO, type DatasetSplit, defineDataset } from './dataset.ts';
import { IdxFormatError, parseIdx } from './idx.ts';

async function readIdx(io: DatasetIO, path: string) {
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(path);
  } catch (e) {
    throw new IdxFormatError(path, `cannot be read: ${(e as Error).message}`);
  }
  return parseIdx(bytes, path);
}

/** Images [n, H, W] and labels [n] from two IDX files, checked against each other and the node's size. */
async function loadPair(
  io: DatasetIO,
  images: string,
  labels: string,
  height: number,
  width: number,
  classes: number,
  scale: boolean,
): Promise<DatasetSplit> {
  const [img, lab] = await Promise.all([readIdx(io, images), readIdx(io, labels)]);
  if (img.dims.length !== 3)
    throw new IdxFormatError(
      images,
      `holds a ${img.dims.length}-d array [${img.dims}], expected images [n, ${height}, ${width}]`,
    );
  if (img.dims[1] !== height || img.dims[2] !== width) {
    throw new IdxFormatError(
      images,
      `holds ${img.dims[1]}×${img.dims[2]} images, the node says ${height}×${width}`,
    );
  }
  if (lab.dims.length !== 1)
    throw new IdxFormatError(labels, `holds a ${lab.dims.length}-d array [${lab.dims}], expected labels [n]`);
  if (lab.dims[0] !== img.dims[0]) {
    throw new IdxFormatError(
      labels,
      `holds ${lab.dims[0]} labels for the ${img.dims[0]} images of ${images}`,
    );
  }
  const y = Int32Array.from(lab.data as ArrayLike<number>);
  const bad = y.findIndex((v) => v < 0 || v >= classes || !Number.isInteger(v));
  if (bad >= 0) throw new IdxFormatError(labels, `label ${bad} is ${y[bad]}, outside 0…${classes - 1}`);
  const x = new Float32Array(img.data.length);
  const k = scale && img.data instanceof Uint8Array ? 1 / 255 : 1;
  for (let i = 0; i < x.length; i++) x[i] = img.data[i] * k;
  return {
    x: { data: x, sampleShape: [1, height, width], dtype: 'float32' },
    y: { data: y, sampleShape: [], dtype: 'int32' },
  };
}

/** MNIST-format files (MNIST, Fashion-MNIST, KMNIST...), gzipped or raw, by path or picked file name. */
export const IDXDataset = defineDataset({
  type: 'IDXDataset',
  aliases: ['idx', 'fashion-mnist', 'mnist files', 'ubyte'],
  doc: 'Images and labels from IDX files (the MNIST / Fashion-MNIST format, .gz or raw): a train pair and a test pair. Pixels are scaled to [0, 1].',
  params: {
    train_images: p.string({ default: 'train-images-idx3-ubyte.gz', maxLength: 1000 }),
    train_labels: p.string({ default: 'train-labels-idx1-ubyte.gz', maxLength: 1000 }),
    test_images: p.string({
      default: 't10k-images-idx3-ubyte.gz',
      maxLength: 1000,
      doc: 'empty: no test split',
    }),
    test_labels: p.string({ default: 't10k-labels-idx1-ubyte.gz', maxLength: 1000 }),
    height: p.int({ default: 28, min: 1 }),
    width: p.int({ default: 28, min: 1 }),
    classes: p.int({ default: 10, min: 1 }),
    scale: p.bool({ default: true, doc: 'divide unsigned-byte pixels by 255' }),
  },
  outputs: (params) => ({ x: batched('float32', 1, params.height, params.width), y: batched('int32') }),
  async load(params, io) {
    const pair = (images: string, labels: string) =>
      loadPair(io, images, labels, params.height, params.width, params.classes, params.scale);
    const train = await pair(params.train_images, params.train_labels);
    const val = params.test_images ? await pair(params.test_images, params.test_labels) : null;
    return { train, val, classes: params.classes };
  },
  xDoc: 'images [N, 1, H, W]',
  yDoc: 'labels [N]',
});
