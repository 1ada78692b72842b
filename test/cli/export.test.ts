import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/export/onnx/index.ts';
import { loadDocument } from '../../src/graph/schema.ts';
import { catalog } from '../../src/nodes/index.ts';

const root = new URL('../../', import.meta.url).pathname;

describe('shapeflow export --to onnx', () => {
  it('writes what exportOnnx gives for the document and seed', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'shapeflow-onnx-cli-')), 'lenet.onnx');
    const file = join(root, 'templates/lenet.json');
    const log = execFileSync(
      process.execPath,
      [join(root, 'bin/shapeflow.js'), 'export', file, '--to', 'onnx', '--out', out, '--seed', '3'],
      { encoding: 'utf8' },
    );
    expect(log).toMatch(/wrote .*lenet\.onnx \([\d,]+ bytes, ONNX opset 17\)/);
    const loaded = loadDocument(readFileSync(file, 'utf8'), catalog);
    if (!loaded.ok) throw new Error(loaded.errors[0].message);
    const expected = exportOnnx(loaded.doc, catalog, { seed: 3 });
    expect(expected).toBeInstanceOf(Uint8Array);
    // protobufjs hands back a Buffer in Node: compare the bytes
    expect(new Uint8Array(readFileSync(out))).toEqual(new Uint8Array(expected as Uint8Array));
  });
});
