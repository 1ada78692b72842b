/**
 * Where things sit on the canvas, computed from the document alone (no DOM measuring), so
 * edges, hit tests and layout agree with what the nodes render.
 */
import type { GraphNode, Position } from '../../graph/index.ts';
import type { PortDef } from '../../nodes/index.ts';

export const NODE_WIDTH = 180;
export const HEADER_HEIGHT = 30;
export const SUMMARY_HEIGHT = 20;
export const PORT_ROW = 22;
export const NODE_PADDING = 6;

export interface Ports {
  inputs: PortDef[];
  outputs: PortDef[];
}

export function nodeHeight(ports: Ports | null): number {
  const rows = Math.max(1, ports?.inputs.length ?? 0, ports?.outputs.length ?? 0);
  return HEADER_HEIGHT + SUMMARY_HEIGHT + rows * PORT_ROW + NODE_PADDING;
}

/** The centre of a port's dot, in world coordinates. */
export function portPosition(node: Pick<GraphNode, 'position'>, side: 'in' | 'out', index: number): Position {
  return {
    x: node.position.x + (side === 'in' ? 0 : NODE_WIDTH),
    y: node.position.y + HEADER_HEIGHT + SUMMARY_HEIGHT + index * PORT_ROW + PORT_ROW / 2,
  };
}

/** A left-to-right cubic curve from an output to an input, and its midpoint for the label. */
export function edgePath(a: Position, b: Position): { d: string; mid: Position } {
  // forward: a smooth S; backward (the input is left of the output): a short loop, not a swing across the canvas
  const dx = b.x >= a.x ? Math.max(40, (b.x - a.x) / 2) : Math.min(160, 60 + (a.x - b.x) / 8);
  const d = `M${a.x},${a.y} C${a.x + dx},${a.y} ${b.x - dx},${b.y} ${b.x},${b.y}`;
  // symmetric control points: the curve's t = 0.5 point is the chord's midpoint
  return { d, mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function rectFromPoints(a: Position, b: Position): Rect {
  return {
    x: Math.min(a.x, b.x),
    y: Math.min(a.y, b.y),
    width: Math.abs(a.x - b.x),
    height: Math.abs(a.y - b.y),
  };
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The bounds of nodes, or null for none. */
export function boundsOf(nodes: readonly { position: Position; height: number }[]): Rect | null {
  if (nodes.length === 0) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const n of nodes) {
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + NODE_WIDTH);
    y1 = Math.max(y1, n.position.y + n.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
