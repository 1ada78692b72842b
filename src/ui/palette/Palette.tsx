/**
 * The palette: node types by group, searchable by name, alias and doc. Enter adds the
 * highlighted type, a click adds it, dragging drops it where released.
 */
import { createMemo, createSignal, For, Show } from 'solid-js';
import type { AnyNodeDef } from '../../nodes/index.ts';
import type { Editor } from '../state/editor.ts';
import { groupTitle, matchedAlias, searchCatalog } from './search.ts';

export const NODE_DRAG_TYPE = 'application/x-shapeflow-node';

export function Palette(props: {
  editor: Editor;
  onAdd: (type: string) => void;
  ref?: (input: HTMLInputElement) => void;
}) {
  const [query, setQuery] = createSignal('');
  const [active, setActive] = createSignal(0);
  const results = createMemo(() => searchCatalog(props.editor.catalog, query()));
  // with no query: every group in catalog order; with one: a flat ranked list
  const groups = createMemo(() => {
    if (query().trim()) return [{ group: 'results', defs: results() }];
    return [...props.editor.catalog.groups()].map(([group, defs]) => ({ group, defs }));
  });
  const flat = createMemo(() => groups().flatMap((g) => g.defs));

  const add = (def: AnyNodeDef | undefined) => {
    if (def) props.onAdd(def.type);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((i) => Math.min(flat().length - 1, i + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((i) => Math.max(0, i - 1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      add(flat()[active()]);
    } else if (e.key === 'Escape') {
      setQuery('');
      (e.currentTarget as HTMLInputElement).blur();
    }
  };

  return (
    <nav class="palette panel" aria-label="Node palette">
      <div class="panel-title">Nodes</div>
      <input
        ref={props.ref}
        class="search"
        type="search"
        placeholder="Search nodes (fc, bn, ce…)"
        aria-label="Search nodes"
        aria-controls="palette-list"
        aria-activedescendant={flat()[active()] ? `palette-${flat()[active()]?.type}` : undefined}
        value={query()}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <div class="palette-list" id="palette-list" role="listbox" aria-label="Node types">
        <For each={groups()}>
          {(g) => (
            <section class="palette-group" aria-label={groupTitle(g.group)}>
              <Show when={g.group !== 'results'}>
                <h3>{groupTitle(g.group)}</h3>
              </Show>
              <For each={g.defs}>
                {(def) => (
                  <div
                    id={`palette-${def.type}`}
                    class="palette-item"
                    classList={{ active: flat()[active()] === def }}
                    role="option"
                    // out of the tab order: the search box owns focus and points here (aria-activedescendant)
                    tabIndex={-1}
                    aria-selected={flat()[active()] === def}
                    draggable={true}
                    title={def.doc}
                    onDragStart={(e) => {
                      e.dataTransfer?.setData(NODE_DRAG_TYPE, def.type);
                      if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
                    }}
                    onClick={() => add(def)}
                    onKeyDown={(e) => {
                      if (e.key !== 'Enter' && e.key !== ' ') return;
                      e.preventDefault();
                      add(def);
                    }}
                  >
                    <span class="palette-name">{def.type}</span>
                    <Show when={matchedAlias(def, query())}>
                      {(alias) => <span class="palette-alias">{alias()}</span>}
                    </Show>
                    <Show when={query().trim()}>
                      <span class="palette-group-tag">{def.group}</span>
                    </Show>
                  </div>
                )}
              </For>
            </section>
          )}
        </For>
        <Show when={flat().length === 0}>
          <p class="muted">No node type matches “{query()}”.</p>
        </Show>
      </div>
    </nav>
  );
}
