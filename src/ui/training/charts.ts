/**
 * Line charts for training curves, with uPlot: curves on their own x (steps) are joined onto
 * one axis, redrawn in place as points arrive, resized with their box and recoloured with the
 * theme. Each chart also states what it draws in data attributes (points, last value) so
 * tests and other panels can read it without pixels.
 *
 * `drawRunCurves(el, runs, 'loss')` is the reusable piece: two or more runs' curves in one chart.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EpochRow, RunSeries } from '../persist/runs.ts';

export interface Curve {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number | null>;
  color: string;
  dash?: number[];
  /** draw a dot per point (sparse curves: one value per epoch) */
  points?: boolean;
}

export interface ChartOptions {
  /**
   * a logarithmic y axis (gradient norms span many decades): values are drawn as log10 on a
   * linear axis labelled with the values themselves, so a blow-up to 1e30 still leaves readable ticks
   */
  log?: boolean | 'auto';
}

/** Positive values spanning more than four decades: a linear axis would flatten all but the largest. */
export function spansDecades(curves: readonly Curve[]): boolean {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const c of curves)
    for (let i = 0; i < c.y.length; i++) {
      const v = c.y[i];
      if (v === null || !Number.isFinite(v) || v <= 0) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  return max > 0 && max / min > 1e4;
}

export interface ChartHandle {
  update(curves: Curve[]): void;
  destroy(): void;
}

/** Series colours that read on both themes; run i of an overlay takes colour i. */
export const CURVE_COLORS = ['#4f8ff7', '#f08c2e', '#2fb67c', '#d64fb0', '#1fb0c2', '#9a6bff', '#e5484d'];

const canDraw = () => {
  try {
    return !!document.createElement('canvas').getContext('2d');
  } catch {
    return false;
  }
};

const cssVar = (name: string, fallback: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/**
 * The curves on one x axis (uPlot's aligned data): every x any curve has, nulls where a curve
 * has none. Non-finite values (and, on a log axis, values ≤ 0) become gaps.
 */
export function alignCurves(curves: readonly Curve[], log = false): uPlot.AlignedData {
  if (curves.length === 0) return [[]];
  const value = (v: number | null) =>
    v === null || !Number.isFinite(v) ? null : log ? (v > 0 ? Math.log10(v) : null) : v;
  const tables = curves.map((c) => [Array.from(c.x), Array.from(c.y, value)] as uPlot.AlignedData);
  return tables.length === 1 ? tables[0] : uPlot.join(tables);
}

/** A y tick as a person reads it: 0.1, 2.25, 1e+5, 3e-4. */
export function tickText(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

function describe(el: HTMLElement, curves: readonly Curve[]): void {
  const first = curves[0];
  const n = first?.y.length ?? 0;
  el.dataset.points = String(n);
  el.dataset.last = n ? String(first.y[n - 1]) : '';
  el.dataset.curves = String(curves.length);
}

/** A chart filling `el`; `update` redraws it with new curves (same labels: data only). */
export function createCurveChart(el: HTMLElement, curves: Curve[], options: ChartOptions = {}): ChartHandle {
  let plot: uPlot | null = null;
  let labels = '';
  let current = curves;
  let log = false;
  const drawable = canDraw();
  const wantLog = (c: readonly Curve[]) =>
    options.log === true || (options.log === 'auto' && spansDecades(c));

  const build = () => {
    plot?.destroy();
    plot = null;
    labels = current.map((c) => c.label).join('\n');
    log = wantLog(current);
    el.dataset.log = String(log);
    if (!drawable || el.clientWidth === 0) return;
    const axis = { stroke: cssVar('--muted', '#888'), grid: { stroke: cssVar('--grid', '#ddd'), width: 1 } };
    plot = new uPlot(
      {
        width: el.clientWidth,
        height: Math.max(60, el.clientHeight),
        legend: { show: false },
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: false } },
        axes: [
          { ...axis, size: 28 },
          {
            ...axis,
            size: 60,
            values: (_u: uPlot, splits: number[]) => splits.map((v) => tickText(log ? 10 ** v : v)),
          },
        ],
        series: [
          {},
          ...current.map((c) => ({
            label: c.label,
            stroke: c.color,
            width: 1.5,
            dash: c.dash,
            spanGaps: true,
            points: { show: c.points ?? false, size: 5, fill: c.color },
          })),
        ],
      },
      alignCurves(current, log),
      el,
    );
  };

  const resize = new ResizeObserver(() => {
    if (!plot) build();
    else plot.setSize({ width: el.clientWidth, height: Math.max(60, el.clientHeight) });
  });
  resize.observe(el);
  // canvas colours are not CSS: draw again when the theme flips
  const theme = new MutationObserver(build);
  theme.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  build();
  describe(el, current);

  return {
    update(next) {
      current = next;
      describe(el, next);
      if (!plot || next.map((c) => c.label).join('\n') !== labels || wantLog(next) !== log) build();
      else plot.setData(alignCurves(next, log));
    },
    destroy() {
      resize.disconnect();
      theme.disconnect();
      plot?.destroy();
      plot = null;
    },
  };
}

/** What a run contributes to a comparison chart. */
export interface RunCurves {
  label: string;
  series: RunSeries;
  epochs: EpochRow[];
}

export type RunMetric = 'loss' | 'accuracy';

/** Train (solid, per step) and validation (dashed, per epoch) curves of each run, one colour per run. */
export function runCurves(runs: readonly RunCurves[], metric: RunMetric): Curve[] {
  return runs.flatMap((run, i) => {
    const color = CURVE_COLORS[i % CURVE_COLORS.length];
    const train: Curve = {
      label: `${run.label} · train ${metric}`,
      x: run.series.steps,
      y: metric === 'loss' ? run.series.loss : run.series.accuracy,
      color,
    };
    const rows = run.epochs.filter((e) => (metric === 'loss' ? e.valLoss : e.valAccuracy) !== null);
    if (rows.length === 0) return [train];
    const val: Curve = {
      label: `${run.label} · val ${metric}`,
      x: rows.map((e) => e.step),
      y: rows.map((e) => (metric === 'loss' ? e.valLoss : e.valAccuracy)),
      color,
      dash: [5, 4],
      points: true,
    };
    return [train, val];
  });
}

/** Two or more runs' curves in one chart (the runs overlay; the diff view may embed it too). */
export function drawRunCurves(
  el: HTMLElement,
  runs: readonly RunCurves[],
  metric: RunMetric = 'loss',
): { update(runs: readonly RunCurves[]): void; destroy(): void } {
  const chart = createCurveChart(el, runCurves(runs, metric));
  return {
    update: (next) => chart.update(runCurves(next, metric)),
    destroy: () => chart.destroy(),
  };
}
