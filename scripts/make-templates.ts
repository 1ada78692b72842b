/**
 * Writes the generated templates (templates/<name>.json) from their definitions in
 * src/templates/defs. Run `npx tsx scripts/make-templates.ts` after changing a definition;
 * the output is committed, and a test checks it is up to date.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from '../src/nodes/index.ts';
import { generatedTemplates } from '../src/templates/defs/index.ts';
import { formatTemplate } from '../src/templates/format.ts';
import { TEMPLATES_DIR } from '../src/templates/node-loader.ts';

for (const [name, build] of Object.entries(generatedTemplates)) {
  const file = join(TEMPLATES_DIR, `${name}.json`);
  writeFileSync(file, formatTemplate(build(catalog)));
  console.log(`wrote ${file}`);
}
