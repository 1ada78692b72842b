import { parseArgs } from 'node:util';
import { loadFamilies } from '../engine/conformance/load.ts';
import { caseSubject, formatReport, runFamilies, totals } from '../engine/conformance/runner.ts';
import { backendByName } from './backends.ts';
import { allFamilies } from './families.ts';

export const conformanceHelp = `shapeflow conformance <dir> [--backend cpu|webgpu] [--family F] [--op NAME]
  Runs every reference case in <dir> (or <dir>/cases), prints a table per family with
  the failing case ids, and ends with "N passed, N failed". Unsupported cases count as failed.`;

export async function conformanceCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      backend: { type: 'string', default: 'cpu' },
      family: { type: 'string', multiple: true },
      op: { type: 'string', multiple: true },
    },
  });
  const dir = positionals[0];
  if (!dir) {
    console.error(conformanceHelp);
    return 2;
  }
  const backend = await backendByName(values.backend!);
  const families = loadFamilies(dir).filter((f) => !values.family || values.family.includes(f.family));
  if (values.family) {
    const missing = values.family.filter((f) => !families.some((x) => x.family === f));
    if (missing.length) {
      console.error(`no such family in ${dir}: ${missing.join(', ')}`);
      return 2;
    }
  }
  const reports = await runFamilies(
    families,
    allFamilies,
    backend,
    (_f, c) => !values.op || values.op.includes(caseSubject(c)),
  );
  console.log(`backend: ${backend.name}`);
  console.log(formatReport(reports));
  return totals(reports).failed === 0 ? 0 : 1;
}
