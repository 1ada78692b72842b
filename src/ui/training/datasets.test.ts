import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../nodes/index.ts';
import { encodeIdx } from '../../nodes/sources/idx.ts';
import { loadTemplateFile } from '../../templates/node-loader.ts';
import { forkTemplate } from '../../templates/template.ts';
import { idxPairs, inspectIdxFile, isIdxFileName, trainableDocument } from './datasets.ts';

const images = (n: number) =>
  encodeIdx(
    [n, 28, 28],
    new Uint8Array(n * 784).map((_, i) => i % 256),
  );
const labels = (n: number) =>
  encodeIdx(
    [n],
    new Uint8Array(n).map((_, i) => i % 10),
  );

function template(name: string) {
  const r = loadTemplateFile(name, catalog);
  if (!r.ok) throw new Error(`template ${name} does not load`);
  return forkTemplate(r.template);
}

describe('IDX files picked in the editor', () => {
  it('reads gzipped and raw files, and says whether each holds images or labels', () => {
    const img = inspectIdxFile('train-images-idx3-ubyte.gz', gzipSync(images(6)));
    expect(img).toMatchObject({ role: 'images', dims: [6, 28, 28] });
    expect(img.bytes[0]).toBe(0); // decompressed once, here
    const lab = inspectIdxFile('train-labels-idx1-ubyte', labels(6));
    expect(lab).toMatchObject({ role: 'labels', dims: [6], classes: 6 });
  });

  it('names the file and what is wrong with it', () => {
    expect(() => inspectIdxFile('notes.gz', new TextEncoder().encode('hello'))).toThrow(
      /^notes\.gz: is not an IDX file/,
    );
    expect(() => inspectIdxFile('t10k-images-idx3-ubyte', images(3).slice(0, 100))).toThrow(
      /^t10k-images-idx3-ubyte: header says 3×28×28 .*truncated/,
    );
    expect(() => inspectIdxFile('table.idx', encodeIdx([2, 3], [1, 2, 3, 4, 5, 6]))).toThrow(
      /^table\.idx: holds a 2-d array \[2, 3\]: expected images/,
    );
    expect(() => inspectIdxFile('bad-gz.gz', new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).toThrow(
      /^bad-gz\.gz: looks gzipped/,
    );
  });

  it('pairs images with labels by count: the larger pair trains, the t10k pair tests', () => {
    const files = [
      inspectIdxFile('t10k-labels-idx1-ubyte.gz', labels(4)),
      inspectIdxFile('train-images-idx3-ubyte.gz', images(8)),
      inspectIdxFile('t10k-images-idx3-ubyte.gz', images(4)),
      inspectIdxFile('train-labels-idx1-ubyte.gz', labels(8)),
    ];
    const pairs = idxPairs(files);
    expect(pairs?.params).toEqual({
      train_images: 'train-images-idx3-ubyte.gz',
      train_labels: 'train-labels-idx1-ubyte.gz',
      test_images: 't10k-images-idx3-ubyte.gz',
      test_labels: 't10k-labels-idx1-ubyte.gz',
      height: 28,
      width: 28,
      classes: 8,
    });
    expect(pairs?.description).toBe('IDX files: 8 28×28 to train, 4 28×28 to test, 8 classes');
    expect(idxPairs(files.filter((f) => f.role === 'images'))).toBeNull();
  });

  it('takes IDX and .gz names, leaves graph files to the document opener', () => {
    expect(isIdxFileName('train-images-idx3-ubyte')).toBe(true);
    expect(isIdxFileName('t10k-labels-idx1-ubyte.gz')).toBe(true);
    expect(isIdxFileName('mnist_mlp.json')).toBe(false);
  });
});

describe('the document the worker trains', () => {
  it('feeds a template written with Input nodes from the bundled MNIST, leaving the editor document alone', () => {
    const doc = template('mnist_mlp');
    const before = structuredClone(doc);
    const trainable = trainableDocument(doc, catalog, []);
    expect(trainable.dataset).toMatch(/^MNIST \(bundled/);
    expect(trainable.doc.nodes.some((n) => n.type === 'MNIST')).toBe(true);
    expect(trainable.doc.nodes.filter((n) => n.type === 'Input')).toHaveLength(0);
    expect(doc).toEqual(before);
  });

  it('feeds it from a picked IDX pair instead when there is one', () => {
    const files = [
      inspectIdxFile('fashion-train-images.idx3', images(8)),
      inspectIdxFile('fashion-train-labels.idx1', labels(8)),
    ];
    const trainable = trainableDocument(template('mnist_mlp'), catalog, files);
    const node = trainable.doc.nodes.find((n) => n.type === 'IDXDataset');
    expect(node?.params).toMatchObject({ train_images: 'fashion-train-images.idx3', test_images: '' });
    expect(trainable.dataset).toContain('no test pair');
  });

  it('keeps a graph that has its own dataset node as it is', () => {
    const doc = template('exploding_lr');
    const trainable = trainableDocument(doc, catalog, []);
    expect(trainable.doc).toBe(doc);
    expect(trainable.dataset).toBe('MNIST digits');
  });
});
