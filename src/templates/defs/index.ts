/**
 * Every template built from code: name (the file name in templates/) → builder. A template
 * is written only when it validates against the catalog it is built with, so one waiting
 * for a node type not yet declared is listed as skipped, with the loader's reasons.
 */
import { type GraphDocument, parseDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { exerciseTemplates } from './exercises.ts';
import { modelTemplates } from './models.ts';
import { moreModelTemplates } from './more_models.ts';
// @group templates-imports (one line per defs file, each owner below their own marker)
import { autogradTemplates } from './autograd.ts';
import { trainingDemoTemplates } from './training_demos.ts';

export const generatedTemplates: Record<string, (c: Catalog) => GraphDocument> = {
  ...modelTemplates,
  ...moreModelTemplates,
  ...exerciseTemplates,
  // @group templates (one spread per defs file)
  ...autogradTemplates,
  ...trainingDemoTemplates,
};

export interface BuiltTemplates {
  ready: Record<string, GraphDocument>;
  /** name → why it cannot be built yet (unknown node types, params) */
  skipped: Record<string, string[]>;
}

export function buildTemplates(catalog: Catalog): BuiltTemplates {
  const built: BuiltTemplates = { ready: {}, skipped: {} };
  for (const [name, build] of Object.entries(generatedTemplates)) {
    const doc = build(catalog);
    const check = parseDocument(structuredClone(doc), catalog);
    if (check.ok) built.ready[name] = doc;
    else built.skipped[name] = [...new Set(check.errors.map((e) => e.message))];
  }
  return built;
}
