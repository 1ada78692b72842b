/**
 * What the non-finite popover offers besides words: lower every optimizer's learning rate
 * tenfold, or clip gradients to norm 1 — as one undoable edit of the graph's optimizer
 * nodes, or, for a graph without one, as a change of the dock's fallback optimizer.
 */
import type { Edit, GraphDocument, GraphNode } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { isOptimizerNode } from '../../nodes/optimizers/optimizers.ts';

export type NonFiniteFix = 'lower-lr' | 'clip';

/** Button labels; the undo entry says the same. Both start the run over. */
export const fixLabels: Record<NonFiniteFix, string> = {
  'lower-lr': 'Learning rate ×0.1',
  clip: 'Clip gradients to norm 1',
};

export function optimizerNodes(doc: GraphDocument, catalog: Catalog): GraphNode[] {
  return doc.nodes.filter((n) => isOptimizerNode(catalog.get(n.type)));
}

/** The edits that apply `fix` to the graph's optimizer nodes; empty when it has none. */
export function fixEdits(doc: GraphDocument, catalog: Catalog, fix: NonFiniteFix): Edit[] {
  return optimizerNodes(doc, catalog).flatMap((n): Edit[] =>
    fix === 'lower-lr'
      ? [{ kind: 'setParam', id: n.id, name: 'lr', value: Number(n.params.lr) / 10 }]
      : [
          { kind: 'setParam', id: n.id, name: 'clip', value: 'norm' },
          { kind: 'setParam', id: n.id, name: 'max_norm', value: 1 },
        ],
  );
}
