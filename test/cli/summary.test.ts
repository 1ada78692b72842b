import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDocument } from '../../src/graph/index.ts';
import { formatSummary, summarize } from '../../src/graph/summary.ts';
import { catalog } from '../../src/nodes/index.ts';

const mlpText = readFileSync(new URL('../../templates/mnist_mlp.json', import.meta.url), 'utf8');

describe('the model summary', () => {
  it('counts the MNIST MLP’s parameters as PyTorch does (784·128+128 + 128·64+64 + 64·10+10)', () => {
    const loaded = loadDocument(mlpText, catalog);
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
    const s = summarize(loaded.doc, catalog);
    expect(s.totalParams).toBe(109_386);
    expect(s.errors).toBe(0);
    const linears = s.rows.filter((r) => r.type === 'Linear');
    expect(linears.map((r) => r.params)).toEqual([100_480, 8_256, 650]);
    expect(linears.map((r) => r.output?.dims)).toEqual([
      ['N', 128],
      ['N', 64],
      ['N', 10],
    ]);
    const table = formatSummary(s);
    expect(table).toMatch(/Total params: 109,386/);
    expect(table).toMatch(/N×1×28×28/);
  });

  it('is what `shapeflow summary` prints, and a malformed file gets a message, not a trace', () => {
    const bin = new URL('../../bin/shapeflow.js', import.meta.url).pathname;
    const doc = new URL('../../templates/mnist_mlp.json', import.meta.url).pathname;
    const out = execFileSync(process.execPath, [bin, 'summary', doc], { encoding: 'utf8' });
    expect(out).toMatch(/Total params: 109,386/);
    let failure = '';
    try {
      execFileSync(
        process.execPath,
        [bin, 'summary', new URL('../../package.json', import.meta.url).pathname],
        {
          encoding: 'utf8',
          stdio: 'pipe',
        },
      );
    } catch (e) {
      failure = String((e as { stderr: string }).stderr);
    }
    expect(failure).toMatch(/not a valid Shapeflow document/);
    expect(failure).not.toMatch(/at .*\.ts:\d+/);
  });
});
