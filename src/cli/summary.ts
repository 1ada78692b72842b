import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadDocument } from '../graph/index.ts';
import { formatSummary, summarize } from '../graph/summary.ts';
import { catalog } from '../nodes/index.ts';

export const summaryHelp = `shapeflow summary <doc.json> [--json]
  A torchinfo-style table of the graph: layer, output shape, parameters, mult-adds, totals.
  The numbers are the editor's summary panel's.`;

export async function summaryCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
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
  const summary = summarize(loaded.doc, catalog);
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  return summary.errors ? 1 : 0;
}
