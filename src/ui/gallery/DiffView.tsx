/**
 * Two documents side by side with their structural diff: removed nodes marked on the left,
 * added and changed ones on the right, then every change and every shape change listed.
 * Given the runs that trained them, their loss curves are overlaid in one chart below.
 */
import { createMemo, For, type JSX, onCleanup, onMount, Show } from 'solid-js';
import { type DocumentDiff, describeDiff, diffDocuments } from '../../graph/diff.ts';
import type { GraphDocument, NodeId } from '../../graph/index.ts';
import type { Catalog, TensorType } from '../../nodes/index.ts';
import { drawRunCurves, type RunCurves } from '../training/charts.ts';
import { Thumbnail } from './Thumbnail.tsx';
import type { DiffMark } from './thumbnail.ts';
import './gallery.css';

const dims = (t: TensorType | null) => (t ? `[${t.dims.join(', ')}]` : 'unknown');

/** Lines shown before the rest fold away (two unrelated models differ in hundreds of places). */
const SHOWN = 40;

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One sentence for the whole diff: what was added, removed and changed. */
export function diffSummary(d: DocumentDiff): string {
  const parts = [
    d.added.length && `${count(d.added.length, 'node')} added`,
    d.removed.length && `${count(d.removed.length, 'node')} removed`,
    d.changed.length && `${count(d.changed.length, 'node')} changed`,
    d.edges.added.length && `${count(d.edges.added.length, 'edge')} added`,
    d.edges.removed.length && `${count(d.edges.removed.length, 'edge')} removed`,
    d.shapes.length && `${count(d.shapes.length, 'output shape')} changed`,
    d.meta.length && `${count(d.meta.length, 'description field')} changed`,
  ].filter((x): x is string => !!x);
  return parts.length ? `${parts.join(', ')}.` : 'No structural differences.';
}

/** A list that shows its first SHOWN lines and folds the rest under "Show all". */
function Folded<T>(props: { items: T[]; class: string; children: (item: T) => JSX.Element }) {
  return (
    <>
      <ul class={props.class}>
        <For each={props.items.slice(0, SHOWN)}>{props.children}</For>
      </ul>
      <Show when={props.items.length > SHOWN}>
        <details class="diff-more">
          <summary>Show all {props.items.length}</summary>
          <ul class={props.class}>
            <For each={props.items.slice(SHOWN)}>{props.children}</For>
          </ul>
        </details>
      </Show>
    </>
  );
}

/** The runs' train (and validation) loss in one chart, a colour per run (the training dock's chart). */
function RunsChart(props: { runs: readonly RunCurves[] }) {
  let box!: HTMLDivElement;
  onMount(() => {
    const chart = drawRunCurves(box, props.runs, 'loss');
    onCleanup(() => chart.destroy());
  });
  return (
    <figure class="diff-runs">
      <figcaption>
        Loss of the two runs
        <For each={props.runs}>{(r, i) => <span class={`diff-run run-${i()}`}>{r.label}</span>}</For>
      </figcaption>
      <div class="diff-runs-plot" ref={box} data-testid="diff-runs" />
    </figure>
  );
}

export function DiffView(props: {
  before: GraphDocument;
  after: GraphDocument;
  catalog: Catalog;
  /** the runs that trained `before` and `after`: their curves are overlaid */
  runs?: readonly RunCurves[];
}) {
  const diff = createMemo(() => diffDocuments(props.before, props.after, props.catalog));
  // a node whose inputs were re-wired counts as changed, on the side where its edge is
  const marksBefore = createMemo(
    () =>
      new Map<NodeId, DiffMark>([
        ...diff().edges.removed.map((e): [NodeId, DiffMark] => [e.to.node, 'changed']),
        ...diff().removed.map((id): [NodeId, DiffMark] => [id, 'removed']),
      ]),
  );
  const marksAfter = createMemo(
    () =>
      new Map<NodeId, DiffMark>([
        ...diff().edges.added.map((e): [NodeId, DiffMark] => [e.to.node, 'changed']),
        ...diff().changed.map((c): [NodeId, DiffMark] => [c.id, 'changed']),
        ...diff().added.map((id): [NodeId, DiffMark] => [id, 'added']),
      ]),
  );
  // a node whose type changed lists the type, and only the params both types have
  const changes = createMemo(() =>
    describeDiff({
      ...diff(),
      shapes: [],
      changed: diff().changed.map((c) =>
        c.typeBefore
          ? { ...c, params: c.params.filter((p) => p.before !== undefined && p.after !== undefined) }
          : c,
      ),
    }),
  );
  return (
    <section class="diff-view" aria-label="Differences">
      <div class="diff-sides">
        <figure>
          <Thumbnail
            doc={props.before}
            catalog={props.catalog}
            width={360}
            height={220}
            marks={marksBefore()}
            label={`Before: ${props.before.meta.title}`}
          />
          <figcaption>{props.before.meta.title}</figcaption>
        </figure>
        <figure>
          <Thumbnail
            doc={props.after}
            catalog={props.catalog}
            width={360}
            height={220}
            marks={marksAfter()}
            label={`After: ${props.after.meta.title}`}
          />
          <figcaption>{props.after.meta.title}</figcaption>
        </figure>
      </div>
      <Show when={(props.runs?.length ?? 0) >= 2}>
        <RunsChart runs={props.runs ?? []} />
      </Show>
      <p class="diff-summary">{diffSummary(diff())}</p>
      <Show when={!diff().same}>
        <p class="diff-legend">
          <span class="diff-key added">added</span>
          <span class="diff-key removed">removed</span>
          <span class="diff-key changed">changed (params, label or inputs)</span>
        </p>
        <div class="diff-lists">
          <div>
            <h3>Changes ({changes().length})</h3>
            <Folded items={changes()} class="diff-changes">
              {(line) => (
                <li classList={{ added: line.startsWith('+'), removed: line.startsWith('−') }}>{line}</li>
              )}
            </Folded>
          </div>
          <Show when={diff().shapes.length > 0}>
            <div>
              <h3>Shape changes ({diff().shapes.length})</h3>
              <Folded items={diff().shapes} class="diff-shapes">
                {(s) => (
                  <li>
                    <code>{`${s.id}.${s.port}`}</code> {dims(s.before)} → {dims(s.after)}
                  </li>
                )}
              </Folded>
            </div>
          </Show>
        </div>
      </Show>
    </section>
  );
}
