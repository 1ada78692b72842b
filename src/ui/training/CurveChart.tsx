/** One dashboard chart: a title, a legend, and a uPlot canvas that follows its curves. */
import { createEffect, Index, on, onCleanup, onMount } from 'solid-js';
import { type ChartHandle, type Curve, createCurveChart } from './charts.ts';

export function CurveChart(props: {
  title: string;
  curves: () => Curve[];
  log?: boolean | 'auto';
  testid: string;
}) {
  let box!: HTMLDivElement;
  let chart: ChartHandle | undefined;
  onMount(() => {
    chart = createCurveChart(box, props.curves(), { log: props.log });
    createEffect(on(props.curves, (curves) => chart?.update(curves), { defer: true }));
  });
  onCleanup(() => chart?.destroy());
  return (
    <figure class="training-chart">
      <figcaption>
        <span class="training-chart-title">{props.title}</span>
        <span class="training-legend">
          {/* Index, not For: the curves are new objects on every point, the legend rarely changes */}
          <Index each={props.curves()}>
            {(c) => (
              <span class="training-legend-item" classList={{ dashed: !!c().dash }}>
                <i style={{ 'border-color': c().color }} />
                {c().label}
              </span>
            )}
          </Index>
        </span>
      </figcaption>
      <div class="training-chart-plot" ref={box} data-testid={props.testid} />
    </figure>
  );
}
