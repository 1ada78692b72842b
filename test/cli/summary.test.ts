import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSymbols, withSymbolSizes } from '../../src/cli/summary.ts';
import { loadDocument } from '../../src/graph/index.ts';
import { formatSummary, summarize } from '../../src/graph/summary.ts';
import { catalog } from '../../src/nodes/index.ts';
import { ARCHITECTURE_TEMPLATES } from '../../src/templates/conformance.ts';
import { isModelNode, pytorchModuleClass } from '../../src/templates/pytorch.ts';

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

interface ReferenceLayer {
  name: string;
  type: string;
  output_shape: number[];
  params: number;
}

interface ArchitectureCase {
  id: string;
  input_shape: number[];
  output_shape: number[];
  layers: ReferenceLayer[];
  total_params: number;
}

const architectures = (
  JSON.parse(
    readFileSync(new URL('../../test/reference/cases/architectures.json', import.meta.url), 'utf8'),
  ) as { cases: ArchitectureCase[] }
).cases.filter((c) => ARCHITECTURE_TEMPLATES[c.id]);

const templateUrl = (id: string) =>
  new URL(`../../templates/${ARCHITECTURE_TEMPLATES[id]}.json`, import.meta.url);

/** The summary of a template with its symbols sized for the reference input (N = its batch). */
function summaryFor(c: ArchitectureCase) {
  const loaded = loadDocument(readFileSync(templateUrl(c.id), 'utf8'), catalog);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
  const sizes = { ...loaded.doc.meta?.symbols, N: c.input_shape[0] } as Record<string, number>;
  return withSymbolSizes(summarize(loaded.doc, catalog), sizes);
}

/**
 * Each reference row (a leaf nn module, in PyTorch's execution order) must be a summary row of
 * the same nn class, output shape and parameter count, each summary row used once. The summary
 * lists nodes in a topological order, which may run independent branches (a ResNet shortcut)
 * in another order than PyTorch's forward, so a row is the first unused one that matches.
 */
function unmatchedRows(c: ArchitectureCase, summary: ReturnType<typeof summaryFor>): string[] {
  const model = summary.rows.filter(
    (r) => r.depth === 0 && isModelNode(r.type, catalog) && pytorchModuleClass(r.type) !== null,
  );
  const used = new Set<number>();
  const problems: string[] = [];
  for (const layer of c.layers) {
    const at = model.findIndex(
      (r, i) =>
        !used.has(i) &&
        pytorchModuleClass(r.type) === layer.type &&
        r.params === layer.params &&
        JSON.stringify(r.output?.dims) === JSON.stringify(layer.output_shape),
    );
    if (at < 0)
      problems.push(`${layer.name} ${layer.type} → [${layer.output_shape}], ${layer.params} params`);
    else used.add(at);
  }
  model.forEach((r, i) => {
    if (!used.has(i) && r.params > 0) problems.push(`extra row ${r.name} (${r.type}), ${r.params} params`);
  });
  return problems;
}

describe('the summary of each model template', () => {
  it.each(architectures.map((c) => [c.id, c] as const))('equals the reference rows of %s', (_id, c) => {
    const summary = summaryFor(c);
    expect(summary.errors).toBe(0);
    expect(unmatchedRows(c, summary)).toEqual([]);
    expect(summary.totalParams).toBe(c.total_params);
    const model = summary.rows.filter((r) => r.depth === 0 && isModelNode(r.type, catalog));
    expect(model[model.length - 1].output?.dims).toEqual(c.output_shape);
  });

  it('is what `shapeflow summary --json --symbols N=1` prints for ResNet-18', () => {
    const c = architectures.find((x) => x.id === 'resnet18_d2l') as ArchitectureCase;
    const bin = new URL('../../bin/shapeflow.js', import.meta.url).pathname;
    const out = execFileSync(
      process.execPath,
      [bin, 'summary', templateUrl(c.id).pathname, '--json', '--symbols', 'N=1'],
      { encoding: 'utf8' },
    );
    const printed = JSON.parse(out);
    expect(printed).toEqual(JSON.parse(JSON.stringify(summaryFor(c))));
    expect(unmatchedRows(c, printed)).toEqual([]);
  });

  it('rejects a malformed --symbols flag by name', () => {
    expect(() => parseSymbols('N=1,T')).toThrow(/--symbols: expected NAME=size pairs .* got 'T'/);
    expect(parseSymbols('N=2,T=10')).toEqual({ N: 2, T: 10 });
  });
});
