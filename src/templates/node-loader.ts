/** Templates from the templates/ folder on disk (Node: CLI, tests, the template generator). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadError } from '../graph/index.ts';
import type { Catalog } from '../nodes/index.ts';
import { type TemplateResult, templateFromText } from './template.ts';

/** The repository's templates/ folder. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** Names of the templates in a folder (file names without `.json`), sorted. */
export function listTemplateNames(dir = TEMPLATES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** A template file's text, or the load error saying why there is none. */
export function readTemplateText(name: string, dir = TEMPLATES_DIR): string | LoadError {
  try {
    return readFileSync(join(dir, `${name}.json`), 'utf8');
  } catch (e) {
    return { code: 'format', path: '', message: `no template '${name}': ${(e as Error).message}` };
  }
}

/** Load and validate one template by name. */
export function loadTemplateFile(name: string, catalog: Catalog, dir = TEMPLATES_DIR): TemplateResult {
  const text = readTemplateText(name, dir);
  return typeof text === 'string'
    ? templateFromText(name, text, catalog)
    : { ok: false, name, errors: [text] };
}

/** Every template in the folder, each validated (failures included, never thrown). */
export function loadTemplateFiles(catalog: Catalog, dir = TEMPLATES_DIR): TemplateResult[] {
  return listTemplateNames(dir).map((name) => loadTemplateFile(name, catalog, dir));
}
