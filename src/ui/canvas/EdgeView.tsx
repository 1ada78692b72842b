/**
 * An edge: its curve (in the SVG layer) and its label (in the HTML layer above), styled by
 * port kind and by the diagnostic sitting on it. A tensor edge's label is its shape.
 */
import { createMemo, For, Show } from 'solid-js';
import type { Diagnostic, EdgeId, NodeId } from '../../graph/index.ts';
import type { PortKind, TensorType } from '../../nodes/index.ts';
import type { Editor } from '../state/editor.ts';
import { dimParts, shapeText } from '../state/format.ts';
import { edgePath, portPosition } from './geometry.ts';
import { liveViewOf } from './live.ts';
import { TensorPreviewView } from './TensorPreview.tsx';

export interface EdgeShape {
  d: string;
  mid: { x: number; y: number };
  kind: PortKind;
  type: TensorType | null;
  issue: Diagnostic | undefined;
  /** the source has no type to give (its own error, or one upstream) */
  unknown: boolean;
}

export function edgeShape(editor: Editor, id: EdgeId): EdgeShape | null {
  const e = editor.edge(id);
  if (!e) return null;
  const from = editor.node(e.from.node);
  const to = editor.node(e.to.node);
  const fromPorts = editor.ports(e.from.node);
  const toPorts = editor.ports(e.to.node);
  if (!from || !to || !fromPorts || !toPorts) return null;
  const oi = fromPorts.outputs.findIndex((p) => p.name === e.from.port);
  const ii = toPorts.inputs.findIndex((p) => p.name === e.to.port);
  const { d, mid } = edgePath(
    portPosition(from, 'out', Math.max(0, oi)),
    portPosition(to, 'in', Math.max(0, ii)),
  );
  const kind = fromPorts.outputs[oi]?.kind ?? 'tensor';
  const type = editor.info(e.from.node)?.outputs[e.from.port] ?? null;
  return { d, mid, kind, type, issue: editor.edgeIssues().get(id), unknown: kind === 'tensor' && !type };
}

const sameShape = (a: EdgeShape | null, b: EdgeShape | null) =>
  !!a && !!b && a.d === b.d && a.type === b.type && a.issue === b.issue && a.kind === b.kind;

function edgeClass(s: EdgeShape, selected: boolean): string {
  const state = s.issue ? s.issue.severity : s.unknown ? 'unknown' : 'ok';
  return `edge kind-${s.kind} edge-${state}${selected ? ' selected' : ''}`;
}

/** `ids`: the edges to draw (the canvas culls those far off-screen). */
export function EdgePaths(props: { editor: Editor; ids: EdgeId[] }) {
  const { editor } = props;
  return (
    <For each={props.ids}>
      {(id) => {
        const shape = createMemo(() => edgeShape(editor, id), null, { equals: sameShape });
        return (
          <Show when={shape()}>
            {(s) => (
              <g class={edgeClass(s(), editor.selectedEdge() === id)} data-edge-id={id}>
                <path class="edge-hit" d={s().d} />
                <path class="edge-line" d={s().d} />
              </g>
            )}
          </Show>
        );
      }}
    </For>
  );
}

/** The shape as a row of dims; symbols in their own style so `N` never reads as a number. */
export function ShapeText(props: { type: TensorType | null }) {
  return (
    <Show
      when={props.type && props.type.dims.length > 0}
      fallback={<span class="dim">{shapeText(props.type)}</span>}
    >
      <For each={dimParts(props.type?.dims ?? [])}>
        {(part, i) => (
          <>
            <Show when={i() > 0}>
              <span class="times">×</span>
            </Show>
            <span class={part.symbolic ? 'dim sym' : 'dim num'}>{part.text}</span>
          </>
        )}
      </For>
    </Show>
  );
}

export function EdgeLabels(props: { editor: Editor; ids: EdgeId[] }) {
  const { editor } = props;
  return (
    <For each={props.ids}>
      {(id) => {
        const shape = createMemo(() => edgeShape(editor, id), null, { equals: sameShape });
        const open = (e: MouseEvent) => {
          e.stopPropagation();
          editor.setSelectedEdge(id);
          editor.setSelection([]);
          const s = shape();
          const target = editor.edge(id)?.to.node as NodeId | undefined;
          if (s?.issue && target) editor.setOpenIssue({ nodeId: s.issue.nodeId, edgeId: id });
        };
        return (
          <Show when={shape()}>
            {(s) => (
              <button
                type="button"
                class={`edge-label ${edgeClass(s(), editor.selectedEdge() === id)}`}
                style={{ transform: `translate(${s().mid.x}px, ${s().mid.y}px) translate(-50%, -50%)` }}
                data-edge-label={id}
                aria-label={`edge ${s().kind === 'tensor' ? shapeText(s().type) : s().kind}${s().issue ? `, ${s().issue?.severity}: ${s().issue?.message}` : ''}`}
                onPointerDown={(e) => e.stopPropagation()}
                onClick={open}
              >
                <Show when={s().issue}>
                  <span class={`badge badge-${s().issue?.severity}`} aria-hidden="true">
                    {s().issue?.severity === 'error' ? '!' : '⚠'}
                  </span>
                </Show>
                <Show when={s().kind === 'tensor'} fallback={<span class="dim">{s().kind}</span>}>
                  <ShapeText type={s().type} />
                </Show>
              </button>
            )}
          </Show>
        );
      }}
    </For>
  );
}

/** Live mode: under each tensor edge's label, its preview, or a chip to show it. */
export function EdgePreviews(props: { editor: Editor; ids: EdgeId[] }) {
  const { editor } = props;
  const live = liveViewOf(editor);
  return (
    <Show when={live.enabled()}>
      <For each={props.ids}>
        {(id) => {
          const shape = createMemo(() => edgeShape(editor, id), null, { equals: sameShape });
          const value = () => {
            const e = editor.edge(id);
            return e ? { port: e.from.port, value: live.value(e.from.node) } : null;
          };
          const tensor = () => {
            const v = value();
            return v?.value?.status === 'ok' ? (v.value.outputs[v.port] ?? null) : null;
          };
          const reason = () => {
            const v = value()?.value;
            return v?.status === 'unavailable' ? v.reason : null;
          };
          const shown = () => live.previewShown(id);
          return (
            <Show when={shape()?.kind === 'tensor' && shape()}>
              {(s) => (
                <div
                  class="edge-preview"
                  classList={{ open: shown() }}
                  style={{ transform: `translate(${s().mid.x}px, ${s().mid.y + 12}px) translateX(-50%)` }}
                  data-edge-preview={id}
                >
                  <button
                    type="button"
                    class="preview-toggle"
                    aria-expanded={shown()}
                    aria-label={`${shown() ? 'Hide' : 'Show'} the preview of edge ${shapeText(s().type)}`}
                    onPointerDown={(e) => e.stopPropagation()}
                    onClick={() => live.togglePreview(id)}
                  >
                    {shown() ? '▾' : '▸ preview'}
                  </button>
                  <Show when={shown()}>
                    <Show
                      when={tensor()}
                      fallback={
                        <span class="preview-unavailable" title={reason() ?? ''}>
                          no value
                        </span>
                      }
                    >
                      {(t) => <TensorPreviewView tensor={t()} compact />}
                    </Show>
                  </Show>
                </div>
              )}
            </Show>
          );
        }}
      </For>
    </Show>
  );
}
