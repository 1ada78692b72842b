/**
 * A graph's thumbnail, as plain geometry: node boxes and edge lines scaled from the
 * document's positions into a small viewBox. The gallery and the diff view draw it as SVG.
 */
import type { GraphDocument, NodeId } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';

/** How a node is marked in a diff. */
export type DiffMark = 'added' | 'removed' | 'changed';

export interface ThumbnailBox {
  id: NodeId;
  x: number;
  y: number;
  width: number;
  height: number;
  /** the node type's palette group ('layers', 'losses', …), for its colour */
  group: string;
  /** what hovering the box says: the node's label (or id) and type */
  title: string;
  mark?: DiffMark;
}

export interface ThumbnailGeometry {
  width: number;
  height: number;
  boxes: ThumbnailBox[];
  lines: { x1: number; y1: number; x2: number; y2: number }[];
}

/** Node size on the canvas, in document units (the editor's nodes are about this size). */
const NODE = { width: 180, height: 64 };

export function thumbnailGeometry(
  doc: Pick<GraphDocument, 'nodes' | 'edges'>,
  catalog: Catalog,
  size = { width: 240, height: 140 },
  marks: ReadonlyMap<NodeId, DiffMark> = new Map(),
): ThumbnailGeometry {
  if (doc.nodes.length === 0) return { ...size, boxes: [], lines: [] };
  const xs = doc.nodes.map((n) => n.position.x);
  const ys = doc.nodes.map((n) => n.position.y);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const spanX = Math.max(...xs) - minX + NODE.width;
  const spanY = Math.max(...ys) - minY + NODE.height;
  const pad = 6;
  const scale = Math.min((size.width - 2 * pad) / spanX, (size.height - 2 * pad) / spanY);
  // centre the drawing in the box
  const offX = (size.width - spanX * scale) / 2;
  const offY = (size.height - spanY * scale) / 2;
  const at = new Map<NodeId, ThumbnailBox>();
  const boxes = doc.nodes.map((n) => {
    const box: ThumbnailBox = {
      id: n.id,
      x: offX + (n.position.x - minX) * scale,
      y: offY + (n.position.y - minY) * scale,
      width: Math.max(1.5, NODE.width * scale),
      height: Math.max(1.5, NODE.height * scale),
      group: catalog.get(n.type)?.group ?? (n.type === 'Composite' ? 'composite' : 'unknown'),
      title: `${n.label ?? n.id} · ${n.type}`,
    };
    const mark = marks.get(n.id);
    if (mark) box.mark = mark;
    at.set(n.id, box);
    return box;
  });
  const lines = doc.edges.flatMap((e) => {
    const a = at.get(e.from.node);
    const b = at.get(e.to.node);
    return a && b ? [{ x1: a.x + a.width, y1: a.y + a.height / 2, x2: b.x, y2: b.y + b.height / 2 }] : [];
  });
  return { ...size, boxes, lines };
}
