/**
 * Two documents side by side with their structural diff: removed nodes marked on the left,
 * added and changed ones on the right, then every change and every shape change listed.
 */
import { createMemo, For, Show } from 'solid-js';
import { describeDiff, diffDocuments } from '../../graph/diff.ts';
import type { GraphDocument, NodeId } from '../../graph/index.ts';
import type { Catalog, TensorType } from '../../nodes/index.ts';
import { Thumbnail } from './Thumbnail.tsx';
import type { DiffMark } from './thumbnail.ts';
import './gallery.css';

const dims = (t: TensorType | null) => (t ? `[${t.dims.join(', ')}]` : 'unknown');

export function DiffView(props: { before: GraphDocument; after: GraphDocument; catalog: Catalog }) {
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
  const changes = createMemo(() => describeDiff({ ...diff(), shapes: [] }));
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
      <Show when={!diff().same} fallback={<p class="diff-same">No structural differences.</p>}>
        <div class="diff-lists">
          <div>
            <h3>Changes ({changes().length})</h3>
            <ul class="diff-changes">
              <For each={changes()}>
                {(line) => (
                  <li classList={{ added: line.startsWith('+'), removed: line.startsWith('−') }}>{line}</li>
                )}
              </For>
            </ul>
          </div>
          <Show when={diff().shapes.length > 0}>
            <div>
              <h3>Shape changes ({diff().shapes.length})</h3>
              <ul class="diff-shapes">
                <For each={diff().shapes}>
                  {(s) => (
                    <li>
                      <code>{`${s.id}.${s.port}`}</code> {dims(s.before)} → {dims(s.after)}
                    </li>
                  )}
                </For>
              </ul>
            </div>
          </Show>
        </div>
      </Show>
    </section>
  );
}
