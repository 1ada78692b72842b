/**
 * Geometry of an optimizer-path plot: every path's points mapped into a box with one scale
 * for both axes (an ill-conditioned bowl must look long and thin, not square), the origin's
 * axes where they fall inside, and the bounds for the axis labels.
 */
import type { Trajectory } from '../../templates/trajectory.ts';

export interface PlotPath {
  label: string;
  /** SVG polyline points, "x,y x,y …" */
  line: string;
  dots: { x: number; y: number }[];
  start: { x: number; y: number };
  end: { x: number; y: number };
  /** the last point in data coordinates, for the legend */
  last: [number, number];
}

export interface PlotGeometry {
  width: number;
  height: number;
  paths: PlotPath[];
  /** the x₁ = 0 and x₂ = 0 lines where they cross the box */
  axes: { x1: number; y1: number; x2: number; y2: number }[];
  bounds: { x: [number, number]; y: [number, number] };
  /** the data range the whole box shows (wider than `bounds` on one axis: one scale for both) */
  view: { x: [number, number]; y: [number, number] };
}

/** A cell of the objective's background: its box in pixels, the point at its centre in data units. */
export interface SurfaceCell {
  x: number;
  y: number;
  width: number;
  height: number;
  at: [number, number];
}

const PAD = 14;

export function trajectoryGeometry(
  paths: readonly Trajectory[],
  size: { width: number; height: number },
): PlotGeometry {
  const finite = paths.flatMap((p) => p.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const xs = [0, ...finite.map((p) => p[0])];
  const ys = [0, ...finite.map((p) => p[1])];
  const bounds = {
    x: [Math.min(...xs), Math.max(...xs)] as [number, number],
    y: [Math.min(...ys), Math.max(...ys)] as [number, number],
  };
  const spanX = Math.max(bounds.x[1] - bounds.x[0], 1e-9);
  const spanY = Math.max(bounds.y[1] - bounds.y[0], 1e-9);
  const scale = Math.min((size.width - 2 * PAD) / spanX, (size.height - 2 * PAD) / spanY);
  // centre the data in the box: one scale leaves room on one axis
  const offsetX = (size.width - spanX * scale) / 2;
  const offsetY = (size.height - spanY * scale) / 2;
  const at = ([a, b]: [number, number]) => ({
    x: round(offsetX + (a - bounds.x[0]) * scale),
    y: round(size.height - offsetY - (b - bounds.y[0]) * scale),
  });
  const origin = at([0, 0]);
  return {
    width: size.width,
    height: size.height,
    bounds,
    view: {
      x: [bounds.x[0] - offsetX / scale, bounds.x[0] + (size.width - offsetX) / scale],
      y: [bounds.y[0] - offsetY / scale, bounds.y[0] + (size.height - offsetY) / scale],
    },
    axes: [
      { x1: PAD / 2, y1: origin.y, x2: size.width - PAD / 2, y2: origin.y },
      { x1: origin.x, y1: PAD / 2, x2: origin.x, y2: size.height - PAD / 2 },
    ],
    paths: paths.map((p) => {
      const shown = p.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
      const dots = shown.map(at);
      return {
        label: p.label,
        line: dots.map((d) => `${d.x},${d.y}`).join(' '),
        dots,
        start: dots[0] ?? origin,
        end: dots[dots.length - 1] ?? origin,
        last: p.points[p.points.length - 1] ?? [Number.NaN, Number.NaN],
      };
    }),
  };
}

const round = (v: number) => Math.round(v * 10) / 10;

/** The box cut into cols × rows cells (whole pixels, tiling without overlap), each with the data point at its centre. */
export function surfaceCells(g: PlotGeometry, cols: number, rows: number): SurfaceCell[] {
  const [x0, x1] = g.view.x;
  const [y0, y1] = g.view.y;
  const edgeX = (c: number) => Math.round((c / cols) * g.width);
  const edgeY = (r: number) => Math.round((r / rows) * g.height);
  const cells: SurfaceCell[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      cells.push({
        x: edgeX(c),
        y: edgeY(r),
        width: edgeX(c + 1) - edgeX(c),
        height: edgeY(r + 1) - edgeY(r),
        at: [x0 + ((c + 0.5) / cols) * (x1 - x0), y1 - ((r + 0.5) / rows) * (y1 - y0)],
      });
    }
  }
  return cells;
}

/** How many bands the objective's values fall into (drawn darkest at the bottom of the valley). */
export const BANDS = 8;

/**
 * Each value's band, 0 (lowest) to BANDS − 1, on a log scale above the minimum: a quadratic's
 * level sets then show as nested rings. Non-finite values go in the top band.
 */
export function valueBands(values: readonly number[]): number[] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return values.map(() => BANDS - 1);
  const low = Math.min(...finite);
  const lifted = values.map((v) => (Number.isFinite(v) ? Math.log1p(v - low) : Number.POSITIVE_INFINITY));
  const top = Math.max(...lifted.filter(Number.isFinite), 1e-12);
  return lifted.map((v) =>
    Number.isFinite(v) ? Math.min(BANDS - 1, Math.floor((v / top) * BANDS)) : BANDS - 1,
  );
}
