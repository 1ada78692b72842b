/**
 * Templates: graph documents in templates/*.json whose meta also says what the graph teaches
 * and carries gallery tags. A template is validated like any untrusted file (the graph
 * layer's schema), then its metadata is checked. Opening one gives a fork: the template
 * itself is never modified.
 */
import type { DocumentMeta, GraphDocument, LoadError } from '../graph/index.ts';
import { parseDocument } from '../graph/index.ts';
import type { Catalog } from '../nodes/index.ts';

export interface TemplateMeta extends DocumentMeta {
  description: string;
  /** what working through the graph teaches, in a sentence or three */
  teaches: string;
  /** gallery tags: 'model' or 'exercise' first, then topics ('cnn', 'attention', …) */
  tags: string[];
}

export interface Template {
  /** the file name without `.json`, e.g. 'resnet18' */
  name: string;
  meta: TemplateMeta;
  doc: GraphDocument;
}

export type TemplateResult =
  | { ok: true; template: Template }
  | { ok: false; name: string; errors: LoadError[] };

/** The kinds a template's first tag names; the gallery groups by it. */
export const TEMPLATE_KINDS = ['model', 'exercise'] as const;

function metadataErrors(meta: DocumentMeta & { teaches?: string; tags?: string[] }): LoadError[] {
  const errors: LoadError[] = [];
  const missing = (field: string, words: string) =>
    errors.push({ code: 'schema', path: `meta.${field}`, message: `a template needs ${words}` });
  if (!meta.title || meta.title === 'Untitled') missing('title', 'a title');
  if (!meta.description?.trim()) missing('description', 'a description');
  if (!meta.teaches?.trim()) missing('teaches', 'a sentence on what it teaches (meta.teaches)');
  if (!meta.tags || meta.tags.length === 0) missing('tags', 'at least one tag');
  else if (!(TEMPLATE_KINDS as readonly string[]).includes(meta.tags[0])) {
    errors.push({
      code: 'schema',
      path: 'meta.tags[0]',
      message: `the first tag must be ${TEMPLATE_KINDS.join(' or ')}, got '${meta.tags[0]}'`,
    });
  }
  return errors;
}

/** Validate an untrusted value (parsed JSON) as a template. Never throws. */
export function parseTemplate(name: string, value: unknown, catalog: Catalog): TemplateResult {
  const loaded = parseDocument(value, catalog);
  if (!loaded.ok) return { ok: false, name, errors: loaded.errors };
  const meta = loaded.doc.meta as TemplateMeta;
  const errors = metadataErrors(meta);
  if (errors.length > 0) return { ok: false, name, errors };
  return { ok: true, template: { name, meta, doc: loaded.doc } };
}

/** Parse JSON text, then validate it as a template. Never throws. */
export function templateFromText(name: string, text: string, catalog: Catalog): TemplateResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      name,
      errors: [{ code: 'json', path: '', message: `not valid JSON: ${(e as Error).message}` }],
    };
  }
  return parseTemplate(name, value, catalog);
}

/** A new document from a template: a deep copy, so editing it never touches the template. */
export function forkTemplate(template: Template): GraphDocument {
  return structuredClone(template.doc);
}

/** The kind of a template ('model' or 'exercise'). */
export function templateKind(template: Template): (typeof TEMPLATE_KINDS)[number] {
  return template.meta.tags[0] as (typeof TEMPLATE_KINDS)[number];
}

/** Templates whose title, description, teaches text or tags contain every word of the query. */
export function searchTemplates(templates: readonly Template[], query: string): Template[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...templates];
  return templates.filter((t) => {
    const text = [t.name, t.meta.title, t.meta.description, t.meta.teaches, ...t.meta.tags]
      .join(' ')
      .toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** Templates by title, models first. */
export function sortTemplates(templates: readonly Template[]): Template[] {
  const rank = (t: Template) => TEMPLATE_KINDS.indexOf(templateKind(t));
  return [...templates].sort((a, b) => rank(a) - rank(b) || a.meta.title.localeCompare(b.meta.title));
}
