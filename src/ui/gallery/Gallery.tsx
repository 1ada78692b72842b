/**
 * The template gallery: every bundled template as a card (thumbnail, title, description,
 * what it teaches, tags), a search box, kind and tag filters. Opening a card hands a fork
 * of the template to `onOpen` (the template itself is never modified). All template text is
 * rendered as text, never as markup.
 */
import { createMemo, createSignal, For, Show } from 'solid-js';
import type { GraphDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import {
  forkTemplate,
  searchTemplates,
  sortTemplates,
  type Template,
  templateKind,
} from '../../templates/template.ts';
import { DiffView } from './DiffView.tsx';
import { Thumbnail } from './Thumbnail.tsx';
import { TrajectoryPlot } from './TrajectoryPlot.tsx';
import './gallery.css';

type KindFilter = 'all' | 'model' | 'exercise';

export function Gallery(props: {
  templates: readonly Template[];
  catalog: Catalog;
  onOpen: (doc: GraphDocument, template: Template) => void;
  onClose?: () => void;
  /** the open document: each card then offers its diff against the template */
  current?: () => GraphDocument;
}) {
  const [query, setQuery] = createSignal('');
  const [kind, setKind] = createSignal<KindFilter>('all');
  const [tag, setTag] = createSignal<string | null>(null);
  /** the template whose diff with the open document is shown instead of the cards */
  const [comparing, setComparing] = createSignal<Template | null>(null);
  /** templates whose optimizer paths are plotted in their card (tagged 'trajectory') */
  const [plotted, setPlotted] = createSignal<ReadonlySet<string>>(new Set());
  const togglePlot = (name: string) => {
    const next = new Set(plotted());
    if (!next.delete(name)) next.add(name);
    setPlotted(next);
  };
  const shown = createMemo(() =>
    sortTemplates(searchTemplates(props.templates, query())).filter(
      (t) =>
        (kind() === 'all' || templateKind(t) === kind()) && (!tag() || t.meta.tags.includes(tag() as string)),
    ),
  );
  const kinds: { value: KindFilter; label: string }[] = [
    { value: 'all', label: 'All' },
    { value: 'model', label: 'Models' },
    { value: 'exercise', label: 'Exercises' },
  ];
  return (
    <section class="gallery" aria-label="Templates">
      <header class="gallery-bar">
        <h2>Templates</h2>
        <input
          class="gallery-search"
          type="search"
          placeholder="Search templates: resnet, attention, broadcasting…"
          aria-label="Search templates"
          value={query()}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <div class="gallery-kinds">
          <For each={kinds}>
            {(k) => (
              <button
                type="button"
                aria-pressed={kind() === k.value}
                classList={{ active: kind() === k.value }}
                onClick={() => setKind(k.value)}
              >
                {k.label}
              </button>
            )}
          </For>
        </div>
        <Show when={tag()}>
          <button
            type="button"
            class="gallery-tag active"
            onClick={() => setTag(null)}
            aria-label={`Clear tag filter ${tag()}`}
          >
            #{tag()} ×
          </button>
        </Show>
        <Show when={props.onClose}>
          <button
            type="button"
            class="gallery-close"
            onClick={() => props.onClose?.()}
            aria-label="Close templates"
          >
            ×
          </button>
        </Show>
      </header>
      <Show when={comparing()}>
        {(t) => (
          <div class="gallery-compare">
            <p class="gallery-compare-bar">
              <button type="button" onClick={() => setComparing(null)}>
                ← Templates
              </button>
              <span>
                “{t().meta.title}” (left) against your graph (right): what your graph adds, removes and
                changes.
              </span>
            </p>
            <DiffView before={t().doc} after={props.current?.() ?? t().doc} catalog={props.catalog} />
          </div>
        )}
      </Show>
      <Show
        when={!comparing() && shown().length > 0}
        fallback={
          <Show when={!comparing()}>
            <p class="gallery-empty">No template matches “{query()}”.</p>
          </Show>
        }
      >
        <ul class="gallery-grid">
          <For each={shown()}>
            {(t) => (
              <li class="gallery-card" data-template={t.name}>
                <button
                  type="button"
                  class="gallery-open"
                  onClick={() => props.onOpen(forkTemplate(t), t)}
                  aria-label={`Open a copy of ${t.meta.title}`}
                >
                  <Thumbnail doc={t.doc} catalog={props.catalog} label={`Graph of ${t.meta.title}`} />
                </button>
                <div class="gallery-text">
                  <h3>{t.meta.title}</h3>
                  <p class="gallery-description">{t.meta.description}</p>
                  <p class="gallery-teaches">
                    <span class="gallery-teaches-label">Teaches</span> {t.meta.teaches}
                  </p>
                  <div class="gallery-tags">
                    <For each={t.meta.tags}>
                      {(x) => (
                        <button
                          type="button"
                          class="gallery-tag"
                          classList={{ active: tag() === x }}
                          onClick={() => setTag(tag() === x ? null : x)}
                        >
                          #{x}
                        </button>
                      )}
                    </For>
                  </div>
                  <div class="gallery-actions">
                    <Show when={props.current}>
                      <button type="button" class="gallery-diff" onClick={() => setComparing(t)}>
                        Diff with my graph
                      </button>
                    </Show>
                    <Show when={t.meta.tags.includes('trajectory')}>
                      <button
                        type="button"
                        class="gallery-plot"
                        aria-expanded={plotted().has(t.name)}
                        onClick={() => togglePlot(t.name)}
                      >
                        {plotted().has(t.name) ? 'Hide paths' : 'Plot optimizer paths'}
                      </button>
                    </Show>
                  </div>
                  <Show when={plotted().has(t.name)}>
                    <TrajectoryPlot doc={t.doc} catalog={props.catalog} />
                  </Show>
                </div>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}
