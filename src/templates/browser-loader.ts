/**
 * Templates bundled into the app: vite inlines templates/*.json at build time. Each is still
 * validated like an untrusted file before the gallery shows it.
 */
import type { Catalog } from '../nodes/index.ts';
import { parseTemplate, type TemplateResult } from './template.ts';

const modules = import.meta.glob('/templates/*.json', { eager: true, import: 'default' }) as Record<
  string,
  unknown
>;

/** template name → its parsed JSON (not yet validated) */
export const bundledTemplateValues: Record<string, unknown> = Object.fromEntries(
  Object.entries(modules).map(([path, value]) => [path.replace(/^.*\//, '').replace(/\.json$/, ''), value]),
);

/** Every bundled template, validated, sorted by name. */
export function loadBundledTemplates(catalog: Catalog): TemplateResult[] {
  return Object.keys(bundledTemplateValues)
    .sort()
    .map((name) => parseTemplate(name, structuredClone(bundledTemplateValues[name]), catalog));
}
