/**
 * Backward mode on the canvas: the current node ringed, and every edge the pass has crossed
 * so far drawn again over its curve, coloured and thickened by the norm of its gradient
 * (relative to the largest so far). Mounted into the canvas's world layer, so it pans and
 * zooms with the graph; it takes no pointer events.
 */
import { createMemo, For, Show } from 'solid-js';
import type { LayerHealth } from '../../graph/health.ts';
import type { EdgeId, NodeId } from '../../graph/index.ts';
import { formatNumber, type StepView } from '../../graph/stepper.ts';
import { edgeShape } from '../canvas/EdgeView.tsx';
import { NODE_WIDTH, nodeHeight } from '../canvas/geometry.ts';
import type { Editor } from '../state/editor.ts';

/** cool (small) → hot (large), on a log scale over four decades */
export function magnitudeColor(norm: number, largest: number): string {
  if (!Number.isFinite(norm)) return 'var(--stepper-nonfinite)';
  const t = largest > 0 && norm > 0 ? Math.max(0, 1 + Math.log10(norm / largest) / 4) : 0;
  const hue = 220 - 200 * t;
  return `hsl(${hue.toFixed(0)}, 85%, 58%)`;
}

export function GradientOverlay(props: { editor: Editor; view: StepView; health?: LayerHealth[] | null }) {
  const { editor } = props;
  const edges = createMemo(() => {
    const entries = Object.entries(props.view.edgeNorms) as [EdgeId, number][];
    const largest = Math.max(0, ...entries.map(([, n]) => (Number.isFinite(n) ? n : 0)));
    return entries.flatMap(([id, norm]) => {
      const shape = edgeShape(editor, id);
      return shape
        ? [
            {
              id,
              norm,
              d: shape.d,
              mid: shape.mid,
              color: magnitudeColor(norm, largest),
              t: largest > 0 ? norm / largest : 0,
            },
          ]
        : [];
    });
  });
  const current = () => {
    const id = props.view.node as NodeId | null;
    const node = id && editor.node(id);
    return node
      ? { x: node.position.x, y: node.position.y, height: nodeHeight(editor.ports(node.id)) }
      : null;
  };
  // vanishing / exploding / dead / saturated flags, above the flagged nodes
  const flagged = createMemo(() =>
    (props.health ?? []).flatMap((l) => {
      const node = l.flags.length ? editor.node(l.nodeId as NodeId) : undefined;
      return node
        ? [
            {
              id: l.nodeId,
              x: node.position.x,
              y: node.position.y,
              text: `⚠ ${l.flags.join(', ').replaceAll('_', ' ')}`,
            },
          ]
        : [];
    }),
  );
  return (
    <svg class="stepper-overlay" width="1" height="1" aria-hidden="true">
      <For each={flagged()}>
        {(f) => (
          <text class="stepper-flag" data-stepper-flag={f.id} x={f.x} y={f.y - 10}>
            {f.text}
          </text>
        )}
      </For>
      <For each={edges()}>
        {(e) => (
          <g class="stepper-edge" data-stepper-edge={e.id} data-norm={String(e.norm)}>
            <path d={e.d} stroke={e.color} stroke-width={3 + 4 * e.t} />
            <text x={e.mid.x} y={e.mid.y + 22} fill={e.color}>
              ‖∇‖ {formatNumber(e.norm)}
            </text>
          </g>
        )}
      </For>
      <Show when={current()}>
        {(c) => (
          <rect
            class="stepper-current"
            data-stepper-node={props.view.node ?? ''}
            x={c().x - 6}
            y={c().y - 6}
            width={NODE_WIDTH + 12}
            height={c().height + 12}
            rx="12"
          />
        )}
      </Show>
    </svg>
  );
}
