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
