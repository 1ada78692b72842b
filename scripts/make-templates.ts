/**
 * Writes the generated templates (templates/<name>.json) from their definitions in
 * src/templates/defs. Run `npx tsx scripts/make-templates.ts` after changing a definition
 * or when the catalog gains node types; the output is committed, and a test checks it is
 * up to date. Templates that do not validate against the catalog yet are listed, not written.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from '../src/nodes/index.ts';
import { buildTemplates } from '../src/templates/defs/index.ts';
import { formatTemplate } from '../src/templates/format.ts';
import { TEMPLATES_DIR } from '../src/templates/node-loader.ts';

const { ready, skipped } = buildTemplates(catalog);
for (const [name, doc] of Object.entries(ready)) {
  writeFileSync(join(TEMPLATES_DIR, `${name}.json`), formatTemplate(doc));
  console.log(`wrote templates/${name}.json`);
}
for (const [name, reasons] of Object.entries(skipped)) console.log(`skipped ${name}: ${reasons.join('; ')}`);
