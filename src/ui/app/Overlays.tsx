/** Overlays: messages, the `?` shortcut sheet, the quick-add box, a panel's error fallback. */
import { createMemo, createSignal, For, onMount, Show } from 'solid-js';
import { searchCatalog } from '../palette/search.ts';
import type { Editor } from '../state/editor.ts';
import type { Shortcut } from './shortcuts.ts';
import './overlays.css';

export function Messages(props: { editor: Editor }) {
  return (
    <div class="messages" role="status" aria-live="polite">
      <For each={props.editor.messages()}>
        {(m) => (
          <div class={`message message-${m.kind}`} role={m.kind === 'error' ? 'alert' : undefined}>
            <div class="message-text">{m.text}</div>
            <Show when={m.details?.length}>
              <ul class="message-details">
                <For each={m.details?.slice(0, 6)}>{(d) => <li>{d}</li>}</For>
              </ul>
            </Show>
            <button
              type="button"
              class="icon"
              aria-label="Dismiss message"
              onClick={() => props.editor.dismiss(m.id)}
            >
              ×
            </button>
          </div>
        )}
      </For>
    </div>
  );
}

export function ShortcutSheet(props: { shortcuts: Shortcut[]; onClose: () => void }) {
  let closeButton!: HTMLButtonElement;
  onMount(() => closeButton.focus());
  return (
    <div class="sheet-backdrop">
      {/* a click outside the sheet closes it; keyboard users have Escape and the close button */}
      <button type="button" class="sheet-dismiss" tabIndex={-1} aria-label="Close" onClick={props.onClose} />
      <div
        class="sheet"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.stopPropagation();
            props.onClose();
          }
        }}
      >
        <div class="sheet-head">
          <h2>Keyboard shortcuts</h2>
          <button ref={closeButton} type="button" class="icon" aria-label="Close" onClick={props.onClose}>
            ×
          </button>
        </div>
        <table>
          <tbody>
            <For each={props.shortcuts}>
              {(s) => (
                <tr>
                  <td>
                    <kbd>{s.keys.replace(/mod/g, navigator.platform.startsWith('Mac') ? '⌘' : 'Ctrl')}</kbd>
                  </td>
                  <td>{s.description}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function QuickAdd(props: {
  editor: Editor;
  at: { x: number; y: number };
  onPick: (type: string) => void;
  onClose: () => void;
}) {
  const [query, setQuery] = createSignal('');
  const [active, setActive] = createSignal(0);
  const results = createMemo(() => searchCatalog(props.editor.catalog, query()).slice(0, 8));
  let input!: HTMLInputElement;
  onMount(() => input.focus());
  return (
    <div
      class="quick-add"
      style={{ left: `${props.at.x}px`, top: `${props.at.y}px` }}
      role="dialog"
      aria-label="Quick add"
    >
      <input
        ref={input}
        type="search"
        placeholder="Add node…"
        aria-label="Quick add node"
        role="combobox"
        aria-expanded={results().length > 0}
        aria-controls="quick-add-list"
        aria-activedescendant={results()[active()] ? `quick-add-${results()[active()]?.type}` : undefined}
        value={query()}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onBlur={() => setTimeout(props.onClose, 100)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') props.onClose();
          else if (e.key === 'ArrowDown') setActive((i) => Math.min(results().length - 1, i + 1));
          else if (e.key === 'ArrowUp') setActive((i) => Math.max(0, i - 1));
          else if (e.key === 'Enter') {
            const def = results()[active()];
            if (def) props.onPick(def.type);
          } else return;
          e.preventDefault();
        }}
      />
      <div class="quick-add-list" id="quick-add-list" role="listbox" aria-label="Matching node types">
        <For each={results()}>
          {(def, i) => (
            // options stay out of the tab order: focus stays in the input (aria-activedescendant)
            <div
              id={`quick-add-${def.type}`}
              role="option"
              tabIndex={-1}
              aria-selected={i() === active()}
              classList={{ active: i() === active() }}
              onMouseDown={(e) => {
                e.preventDefault();
                props.onPick(def.type);
              }}
            >
              <span>{def.type}</span>
              <span class="muted">{def.group}</span>
            </div>
          )}
        </For>
      </div>
    </div>
  );
}

/** What a panel shows instead of itself when it throws: the document is untouched. */
export function PanelError(props: { name: string; error: unknown; reset: () => void }) {
  return (
    <div class="panel panel-error" role="alert">
      <p>
        The {props.name} hit a problem and was closed. Your graph is safe (it is autosaved and unchanged).
      </p>
      <pre>{props.error instanceof Error ? props.error.message : String(props.error)}</pre>
      <button type="button" onClick={props.reset}>
        Reopen the {props.name}
      </button>
    </div>
  );
}
