/** One param's input, typed by its spec: number (+ slider when ranged), checkbox, select, text. */
import { createEffect, createSignal, For, Match, Show, Switch } from 'solid-js';
import type { NodeId } from '../../graph/index.ts';
import type { ParamSpec, ParamValue } from '../../nodes/index.ts';
import type { Editor } from '../state/editor.ts';
import { toText, validate } from './paramText.ts';

let scrubCount = 0;

export function ParamField(props: {
  editor: Editor;
  nodeId: NodeId;
  name: string;
  spec: ParamSpec;
  value: ParamValue;
}) {
  const [text, setText] = createSignal(toText(props.value));
  const [error, setError] = createSignal<string | null>(null);
  // the document changed under us (undo, a fix): show its value
  createEffect(() => {
    setText(toText(props.value));
    setError(null);
  });
  const id = () => `param-${props.nodeId}-${props.name}`;
  const set = (value: ParamValue, coalesce?: string) =>
    props.editor.apply(
      { kind: 'setParam', id: props.nodeId, name: props.name, value },
      { label: `Set ${props.name}`, coalesce },
    );

  const commit = () => {
    const { value, error: problem } = validate(props.spec, text());
    setError(problem);
    if (!problem && JSON.stringify(value) !== JSON.stringify(props.value)) set(value);
  };
  const ranged = () =>
    props.spec.min !== undefined &&
    props.spec.max !== undefined &&
    (props.spec.kind === 'float' || props.spec.kind === 'int');
  let scrubKey = '';

  return (
    <div class="field" classList={{ invalid: !!error() }}>
      <label for={id()}>
        <span class="field-name">{props.name}</span>
        <Show when={props.spec.doc}>
          <span class="field-doc">{props.spec.doc}</span>
        </Show>
      </label>
      <Switch
        fallback={
          <input
            id={id()}
            type="text"
            inputmode={props.spec.kind === 'int' || props.spec.kind === 'float' ? 'decimal' : undefined}
            value={text()}
            aria-invalid={!!error()}
            aria-describedby={error() ? `${id()}-error` : undefined}
            spellcheck={false}
            onInput={(e) => {
              setText(e.currentTarget.value);
              setError(validate(props.spec, e.currentTarget.value).error);
            }}
            onChange={commit}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commit();
              if (e.key === 'Escape') {
                setText(toText(props.value));
                setError(null);
              }
            }}
          />
        }
      >
        <Match when={props.spec.kind === 'bool'}>
          <input
            id={id()}
            type="checkbox"
            checked={props.value === true}
            onChange={(e) => set(e.currentTarget.checked)}
          />
        </Match>
        <Match when={props.spec.kind === 'enum'}>
          <select id={id()} value={String(props.value)} onChange={(e) => set(e.currentTarget.value)}>
            <For each={props.spec.options ?? []}>{(o) => <option value={o}>{o}</option>}</For>
          </select>
        </Match>
      </Switch>
      <Show when={ranged()}>
        <input
          type="range"
          aria-label={`${props.name} slider`}
          min={props.spec.min}
          max={props.spec.max}
          step={props.spec.kind === 'int' ? 1 : ((props.spec.max ?? 1) - (props.spec.min ?? 0)) / 100}
          value={typeof props.value === 'number' ? props.value : (props.spec.min ?? 0)}
          onPointerDown={() => {
            scrubKey = `scrub-${++scrubCount}`;
          }}
          onInput={(e) => set(Number(e.currentTarget.value), scrubKey || undefined)}
          onChange={() => {
            props.editor.store.endGesture();
            scrubKey = '';
          }}
        />
      </Show>
      <Show when={error()}>
        <p class="field-error" id={`${id()}-error`} role="alert">
          {error()}
        </p>
      </Show>
    </div>
  );
}
