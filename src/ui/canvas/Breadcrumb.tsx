/** Where the canvas is: the graph, then each opened composite; a click backs out to that level. */
import { For, Show } from 'solid-js';
import type { Scope } from './scope.ts';

export function Breadcrumb(props: { scope: Scope }) {
  const last = () => props.scope.titles().length - 1;
  return (
    <Show when={props.scope.path().length > 0}>
      <nav class="breadcrumb" aria-label="Graph level">
        <For each={props.scope.titles()}>
          {(title, i) => (
            <>
              <Show when={i() > 0}>
                <span class="breadcrumb-sep" aria-hidden="true">
                  ›
                </span>
              </Show>
              <Show
                when={i() < last()}
                fallback={
                  <span class="breadcrumb-here" aria-current="location">
                    {title}
                  </span>
                }
              >
                <button type="button" onClick={() => props.scope.exitTo(i())}>
                  {title}
                </button>
              </Show>
            </>
          )}
        </For>
      </nav>
    </Show>
  );
}
