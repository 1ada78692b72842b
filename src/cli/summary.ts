import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadDocument } from '../graph/index.ts';
import { evaluateDim } from '../graph/live.ts';
import { formatSummary, type ModelSummary, summarize } from '../graph/summary.ts';
import { catalog } from '../nodes/index.ts';

export const summaryHelp = `shapeflow summary <doc.json> [--json] [--symbols N=1,T=10]
  A torchinfo-style table of the graph: layer, output shape, parameters, mult-adds, totals.
  The numbers are the editor's summary panel's.
  --symbols S=k,...  size the symbols (N = the batch) so shapes read as numbers, as torchinfo
                     prints them for one input; 'meta' takes the document's own sizes`;

/** `N=1,T=10` → { N: 1, T: 10 }. */
export function parseSymbols(flag: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const pair of flag.split(',').filter(Boolean)) {
    const [name, value] = pair.split('=');
    const size = Number(value);
    if (!/^[A-Za-z_][A-Za-z0-9_']*$/.test(name ?? '') || !Number.isInteger(size) || size < 1)
      throw new Error(`--symbols: expected NAME=size pairs like N=1,T=10, got '${pair}'`);
    sizes[name] = size;
  }
  return sizes;
}

/** The summary with every output shape evaluated for `sizes` (dims naming other symbols stay as they are). */
export function withSymbolSizes(summary: ModelSummary, sizes: Record<string, number>): ModelSummary {
  const size = (d: string | number) => {
    try {
      return evaluateDim(d, sizes);
    } catch {
      return d;
    }
  };
  return {
    ...summary,
    rows: summary.rows.map((r) =>
      r.output ? { ...r, output: { ...r.output, dims: r.output.dims.map(size) } } : r,
    ),
  };
}

export async function summaryCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, symbols: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) {
    console.error(summaryHelp);
    return 2;
  }
  const loaded = loadDocument(readFileSync(file, 'utf8'), catalog);
  if (!loaded.ok) {
    console.error(`${file}: not a valid Shapeflow document`);
    for (const e of loaded.errors.slice(0, 10)) console.error(`  ${e.path ? `${e.path}: ` : ''}${e.message}`);
    return 1;
  }
  let summary = summarize(loaded.doc, catalog);
  if (values.symbols !== undefined) {
    const meta = { ...loaded.doc.meta?.symbols } as Record<string, number>;
    summary = withSymbolSizes(
      summary,
      values.symbols === 'meta' ? meta : { ...meta, ...parseSymbols(values.symbols) },
    );
  }
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  return summary.errors ? 1 : 0;
}
