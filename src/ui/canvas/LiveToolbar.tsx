/** The canvas's live-mode switch: run a sample batch through the graph, previews on every edge or not. */
import { Show } from 'solid-js';
import type { Editor } from '../state/editor.ts';
import { liveViewOf } from './live.ts';

export function LiveToolbar(props: { editor: Editor }) {
  const live = liveViewOf(props.editor);
  return (
    <div class="live-toolbar" role="toolbar" aria-label="Live mode">
      <button
        type="button"
        class="live-switch"
        aria-pressed={live.enabled()}
        title="Run a sample batch through the graph and show each edge's tensor"
        onClick={() => live.setEnabled(!live.enabled())}
      >
        <span class="live-dot" aria-hidden="true" /> Live
      </button>
      <Show when={live.enabled()}>
        <button
          type="button"
          aria-pressed={live.showAll()}
          title="Show or hide the previews on every edge; ▸ on an edge toggles that edge alone"
          onClick={() => live.setShowAll(!live.showAll())}
        >
          All previews
        </button>
      </Show>
    </div>
  );
}
