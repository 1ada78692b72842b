/** A graph drawn small: node boxes coloured by group, edges as lines, diff marks outlined. */
import { For } from 'solid-js';
import type { GraphDocument, NodeId } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { type DiffMark, thumbnailGeometry } from './thumbnail.ts';

export function Thumbnail(props: {
  doc: Pick<GraphDocument, 'nodes' | 'edges'>;
  catalog: Catalog;
  width?: number;
  height?: number;
  marks?: ReadonlyMap<NodeId, DiffMark>;
  label: string;
}) {
  const geometry = () =>
    thumbnailGeometry(
      props.doc,
      props.catalog,
      { width: props.width ?? 240, height: props.height ?? 140 },
      props.marks,
    );
  return (
    <svg
      class="gallery-thumb"
      viewBox={`0 0 ${geometry().width} ${geometry().height}`}
      role="img"
      aria-label={props.label}
    >
      <For each={geometry().lines}>
        {(l) => <line class="gallery-thumb-edge" x1={l.x1} y1={l.y1} x2={l.x2} y2={l.y2} />}
      </For>
      <For each={geometry().boxes}>
        {(b) => (
          <rect
            class={`gallery-thumb-node group-${b.group}${b.mark ? ` mark-${b.mark}` : ''}`}
            x={b.x}
            y={b.y}
            width={b.width}
            height={b.height}
            rx={Math.min(3, b.height / 4)}
            data-node={b.id}
          >
            <title>{b.mark ? `${b.title} (${b.mark})` : b.title}</title>
          </rect>
        )}
      </For>
    </svg>
  );
}
