/** Every template built from code: name (the file name in templates/) → builder. */
import type { GraphDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { modelTemplates } from './models.ts';

export const generatedTemplates: Record<string, (c: Catalog) => GraphDocument> = {
  ...modelTemplates,
};
