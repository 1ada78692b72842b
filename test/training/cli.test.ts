import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDataFlag, trainCommand } from '../../src/cli/train.ts';
import { withDatasetForInputs } from '../../src/training/session.ts';
import { catalog } from '../../src/nodes/index.ts';
import { doc, mlpDoc } from './helpers.ts';

function output(): { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void lines.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void errors.push(a.join(' ')));
  return { lines, errors };
}

function file(value: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sf-train-')), 'doc.json');
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const blobs = () =>
  doc(
    [
      ['data', 'GaussianBlobs', { samples: 300, classes: 3, features: 2, spread: 0.5, batch_size: 30 }],
      ['fc', 'Linear', { in_features: 2, out_features: 3 }],
      ['loss', 'CrossEntropyLoss'],
    ],
    ['data.x -> fc.input', 'fc.output -> loss.input', 'data.y -> loss.target'],
  );

afterEach(() => vi.restoreAllMocks());

describe('shapeflow train', () => {
  it('trains a document and prints one line per epoch', async () => {
    const out = output();
    const code = await trainCommand([
      file(blobs()),
      '--epochs',
      '3',
      '--seed',
      '2',
      '--optimizer',
      'SGD',
      '--lr',
      '0.1',
      '--quiet',
    ]);
    expect(out.errors).toEqual([]);
    expect(code).toBe(0);
    const epochs = out.lines.filter((l) => l.startsWith('epoch '));
    expect(epochs).toHaveLength(3);
    expect(epochs[2]).toMatch(
      /^epoch 3\/3 {2}train loss \d\.\d{4} acc \d+\.\d\d% {2}val loss \d\.\d{4} acc \d+\.\d\d% {2}\d+\.\d s {2}\d+ samples\/s$/,
    );
    expect(out.lines[0]).toBe(
      `training ${out.lines[0].split(' ')[1]} on cpu: 2 parameter tensors, batch 30, 8 batches per epoch`,
    );
  });

  it('reports a NaN with the node and what to try, and exits 1', async () => {
    const out = output();
    const d = doc(
      [
        ['data', 'LinearRegressionData', { samples: 100, features: 3, batch_size: 20 }],
        ['fc', 'Linear', { in_features: 3, out_features: 1 }],
        ['loss', 'MSELoss'],
      ],
      ['data.x -> fc.input', 'fc.output -> loss.input', 'data.y -> loss.target'],
    );
    const code = await trainCommand([
      file(d),
      '--epochs',
      '50',
      '--optimizer',
      'SGD',
      '--lr',
      '50',
      '--quiet',
    ]);
    expect(code).toBe(1);
    expect(out.errors.join('\n')).toMatch(
      /^non-finite .* at node node:(fc|loss) \((forward|backward|update), step \d+\); training paused\n/,
    );
    expect(out.errors.join('\n')).toContain('- lower the learning rate');
  });

  it('refuses a malformed document with the path of what is wrong', async () => {
    const out = output();
    expect(
      await trainCommand([
        file({
          format: 'shapeflow.graph',
          version: 2,
          meta: { title: 'x' },
          nodes: [{ id: 'bad' }],
          edges: [],
        }),
      ]),
    ).toBe(1);
    expect(out.errors[0]).toMatch(/not a valid Shapeflow document:\n {2}nodes\[0\]/);
  });

  it('--data feeds the Input nodes of a template from a dataset node', () => {
    const d = mlpDoc();
    d.nodes.find((n) => n.id === 'node:x')!.params.shape = ['N', 2];
    d.nodes.find((n) => n.id === 'node:fc1')!.params.in_features = 2;
    const fed = withDatasetForInputs(d, catalog, 'XOR', { samples: 40 });
    expect(fed.nodes.map((n) => n.id)).not.toContain('node:x');
    expect(fed.nodes.map((n) => n.id)).not.toContain('node:y');
    expect(
      fed.edges
        .filter((e) => e.from.node === 'node:dataset')
        .map((e) => `${e.from.port}->${e.to.node}.${e.to.port}`)
        .sort(),
    ).toEqual(['x->node:fc1.input', 'y->node:loss.target']);
    expect(() => withDatasetForInputs(mlpDoc(), catalog, 'MNIST', {})).toThrow(
      /no Input nodes of those shapes/,
    );
  });

  it('parses --data with a folder of IDX files', () => {
    expect(parseDataFlag('IDXDataset:dir=/data/fm/,batch_size=256,scale=false')).toEqual({
      type: 'IDXDataset',
      params: {
        batch_size: 256,
        scale: false,
        train_images: '/data/fm/train-images-idx3-ubyte.gz',
        train_labels: '/data/fm/train-labels-idx1-ubyte.gz',
        test_images: '/data/fm/t10k-images-idx3-ubyte.gz',
        test_labels: '/data/fm/t10k-labels-idx1-ubyte.gz',
      },
    });
    expect(parseDataFlag('MNIST')).toEqual({ type: 'MNIST', params: {} });
  });
});
