import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportPyTorch } from '../export/pytorch.ts';
import { loadDocument } from '../graph/schema.ts';
import { catalog } from '../nodes/index.ts';

export const exportHelp = `shapeflow export <doc.json> --to pytorch [--out DIR] [--seed S]
  Writes DIR/model.py (an nn.Module whose layers and forward mirror the graph) and
  DIR/weights.safetensors (Shapeflow's initial weights for the seed, under the module's
  state_dict names). DIR defaults to <doc>_pytorch; the seed to the dataset node's, else 0.`;

export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { to: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file || !values.to) {
    console.error(exportHelp);
    return 2;
  }
  if (values.to !== 'pytorch') throw new Error(`--to ${values.to}: only 'pytorch' is supported`);
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new Error(`--seed: expected an integer, got '${values.seed}'`);
  }
  const loaded = loadDocument(readFileSync(file, 'utf8'), catalog);
  if (!loaded.ok) {
    console.error(
      `${file}: not a valid Shapeflow document:\n${loaded.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`,
    );
    return 1;
  }
  const result = exportPyTorch(loaded.doc, catalog, { seed });
  const out = values.out ?? `${basename(file).replace(/\.json$/, '')}_pytorch`;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'model.py'), result.modelPy);
  writeFileSync(join(out, 'weights.safetensors'), result.weights);
  const count = result.stateDict.reduce((n, t) => n + t.data.length, 0);
  console.log(
    `wrote ${join(out, 'model.py')} (class ${result.className}) and ${join(out, 'weights.safetensors')} (${result.stateDict.length} tensors, ${count.toLocaleString('en-US')} parameters)`,
  );
  return 0;
}
