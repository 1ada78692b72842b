/**
 * Optimizer paths of a 2-D exercise (SGD vs momentum): the document is trained step by step
 * by the real Trainer (on the CPU, a few milliseconds for two 2-value parameters) and each
 * optimizer's point drawn as a path from its start, over the first optimizer's objective in
 * bands (a quadratic shows nested ellipses). A graph that cannot be traced says why.
 */
import { createResource, For, Show } from 'solid-js';
import type { GraphDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { type Trajectory, traceTrajectories } from '../../templates/trajectory.ts';
import { BANDS, type PlotGeometry, surfaceCells, trajectoryGeometry, valueBands } from './trajectory-plot.ts';

/** Three decimals; a value that rounds to zero prints as 0.000, not −0.000. */
/** Grid of the objective's background. */
const GRID = { cols: 52, rows: 30 };

/** The objective over the plot, banded; cells sharing a band are drawn together. */
async function surface(g: PlotGeometry, path: Trajectory) {
  const cells = surfaceCells(g, GRID.cols, GRID.rows);
  const values: number[] = [];
  for (const c of cells) values.push(await path.lossAt(c.at));
  const bands = valueBands(values);
  return cells.map((c, i) => ({ ...c, band: bands[i] }));
}

const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) < 5e-4 ? 0 : v).toFixed(3) : String(v));

export function TrajectoryPlot(props: { doc: GraphDocument; catalog: Catalog; steps?: number }) {
  const [paths] = createResource(
    () => ({ doc: props.doc, steps: props.steps ?? 30 }),
    ({ doc, steps }) => traceTrajectories(doc, props.catalog, { steps }),
  );
  const traced = () => {
    const p = paths();
    return p && !(p instanceof Error) ? p : null;
  };
  const failure = () => {
    const p = paths();
    return p instanceof Error ? p.message : paths.error ? String(paths.error) : null;
  };
  const geometry = () => {
    const p = traced();
    return p ? trajectoryGeometry(p, { width: 260, height: 150 }) : null;
  };
  const [background] = createResource(
    () => {
      const g = geometry();
      const first = traced()?.[0];
      return g && first ? { g, first } : null;
    },
    ({ g, first }) => surface(g, first),
  );
  return (
    <figure class="trajectory" data-steps={props.steps ?? 30}>
      <Show when={!paths.loading} fallback={<p class="trajectory-note">Training…</p>}>
        <Show when={geometry()} fallback={<p class="trajectory-note">No paths: {failure()}</p>}>
          {(g) => (
            <>
              <svg
                class="trajectory-plot"
                viewBox={`0 0 ${g().width} ${g().height}`}
                role="img"
                aria-label={`Paths of ${g()
                  .paths.map((p) => p.label)
                  .join(' and ')} over ${props.steps ?? 30} steps`}
              >
                <g class="trajectory-surface">
                  <For each={background() ?? []}>
                    {(c) => (
                      <rect
                        x={c.x}
                        y={c.y}
                        width={c.width}
                        height={c.height}
                        style={{ opacity: (0.02 + (0.2 * (BANDS - 1 - c.band)) / (BANDS - 1)).toFixed(3) }}
                      />
                    )}
                  </For>
                </g>
                <For each={g().axes}>
                  {(a) => <line class="trajectory-axis" x1={a.x1} y1={a.y1} x2={a.x2} y2={a.y2} />}
                </For>
                <For each={g().paths}>
                  {(p, i) => (
                    <g class={`trajectory-path series-${i()}`} data-points={p.dots.length}>
                      <polyline points={p.line} />
                      <For each={p.dots}>{(d) => <circle cx={d.x} cy={d.y} r={1.6} />}</For>
                      <circle class="trajectory-start" cx={p.start.x} cy={p.start.y} r={3.2} />
                    </g>
                  )}
                </For>
              </svg>
              <figcaption>
                <For each={g().paths}>
                  {(p, i) => (
                    <span class={`trajectory-legend series-${i()}`}>
                      {p.label}: ends at ({fmt(p.last[0])}, {fmt(p.last[1])})
                    </span>
                  )}
                </For>
                <span class="trajectory-note">
                  x₁ → [{fmt(g().bounds.x[0])}, {fmt(g().bounds.x[1])}], x₂ ↑ [{fmt(g().bounds.y[0])},{' '}
                  {fmt(g().bounds.y[1])}], {props.steps ?? 30} steps, one scale on both axes; shading: the
                  objective, stronger = lower
                </span>
              </figcaption>
            </>
          )}
        </Show>
      </Show>
    </figure>
  );
}
