/** Two runs side by side: the diff of the graphs they trained, and their loss curves overlaid. */
import { Show } from 'solid-js';
import type { Catalog } from '../../nodes/index.ts';
import type { RunRecord } from '../persist/runs.ts';
import { DiffView } from './DiffView.tsx';
import { compareRuns } from './run-diff.ts';

export function RunDiff(props: { before: RunRecord; after: RunRecord; catalog: Catalog }) {
  const comparison = () => compareRuns(props.before, props.after, props.catalog);
  return (
    <Show
      when={(() => {
        const c = comparison();
        return 'error' in c ? null : c;
      })()}
      fallback={<p class="diff-error">{(comparison() as { error: string }).error}</p>}
    >
      {(c) => <DiffView before={c().before} after={c().after} catalog={props.catalog} runs={c().runs} />}
    </Show>
  );
}
