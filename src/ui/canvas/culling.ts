/**
 * Culling: only what is near the visible part of the world is rendered. The region is the view
 * grown by a margin and snapped outwards to a coarse grid, so while panning the rendered set
 * changes only when the view crosses a cell, not every frame.
 */
import type { Position } from '../../graph/index.ts';
import type { Viewport } from '../controllers/panzoom.ts';
import { intersects, NODE_WIDTH, type Rect } from './geometry.ts';

/** graphs smaller than this render whole: culling pays only when there is a lot to leave out */
export const CULL_FROM_NODES = 150;
/** world px per culling cell */
export const CULL_CELL = 512;
/** screen px rendered beyond each side of the view */
export const CULL_MARGIN = 300;

/** The world region to render for a view of `size` screen px, or null when the size is unknown. */
export function renderRegion(v: Viewport, size: { width: number; height: number }): Rect | null {
  if (size.width <= 0 || size.height <= 0) return null;
  const snapDown = (a: number) => Math.floor(a / CULL_CELL) * CULL_CELL;
  const snapUp = (a: number) => Math.ceil(a / CULL_CELL) * CULL_CELL;
  const x0 = snapDown((-CULL_MARGIN - v.x) / v.k);
  const y0 = snapDown((-CULL_MARGIN - v.y) / v.k);
  const x1 = snapUp((size.width + CULL_MARGIN - v.x) / v.k);
  const y1 = snapUp((size.height + CULL_MARGIN - v.y) / v.k);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

export function nodeVisible(region: Rect, position: Position, height: number): boolean {
  return intersects(region, { x: position.x, y: position.y, width: NODE_WIDTH, height });
}

/** An edge is drawn when the box spanned by its two nodes meets the region. */
export function edgeVisible(
  region: Rect,
  from: { position: Position; height: number },
  to: { position: Position; height: number },
): boolean {
  const x0 = Math.min(from.position.x, to.position.x);
  const y0 = Math.min(from.position.y, to.position.y);
  const x1 = Math.max(from.position.x, to.position.x) + NODE_WIDTH;
  const y1 = Math.max(from.position.y + from.height, to.position.y + to.height);
  return intersects(region, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
}
