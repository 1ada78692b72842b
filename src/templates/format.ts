/**
 * Template JSON as committed: the document's top level indented, one node or edge per line
 * (short enough to read, and a diff of two versions shows which nodes changed).
 */
import type { GraphDocument } from '../graph/index.ts';

export function formatTemplate(doc: GraphDocument): string {
  const line = (x: unknown) => `    ${JSON.stringify(x)}`;
  // short lists (tags) stay on one line
  const meta = JSON.stringify(doc.meta, null, 2)
    .replace(/\[\n\s+([^[\]{}]*?)\n\s+\]/g, (_, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`)
    .replace(/\n/g, '\n  ');
  return [
    '{',
    `  "format": ${JSON.stringify(doc.format)},`,
    `  "version": ${doc.version},`,
    `  "meta": ${meta},`,
    '  "nodes": [',
    doc.nodes.map(line).join(',\n'),
    '  ],',
    '  "edges": [',
    doc.edges.map(line).join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
