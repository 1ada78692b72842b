/**
 * A tensor in small: a heatmap of a 2-D slice, a histogram of all values, mean and std. Used on
 * edges in live mode and in the inspector. Drawn on canvases (one pixel per value, scaled up).
 */
import { createEffect, createMemo, For, Show } from 'solid-js';
import type { Tensor } from '../../engine/index.ts';
import { previewOf, slicePixels, sliceLabel, statText, type TensorPreview } from './preview.ts';

function Heatmap(props: { preview: TensorPreview; width: number; maxHeight: number }) {
  let canvas!: HTMLCanvasElement;
  createEffect(() => {
    const { rows, cols } = props.preview.slice;
    canvas.width = cols;
    canvas.height = rows;
    const context = canvas.getContext('2d');
    if (!context) return; // no 2-D canvas (a DOM without one): the stats and histogram still show
    const image = context.createImageData(cols, rows);
    image.data.set(slicePixels(props.preview));
    context.putImageData(image, 0, 0);
  });
  // the slice's aspect, within [6, maxHeight] px
  const height = () => {
    const { rows, cols } = props.preview.slice;
    return Math.max(6, Math.min(props.maxHeight, Math.round((props.width * rows) / cols)));
  };
  return (
    <canvas
      ref={canvas}
      class="preview-heatmap"
      style={{ width: `${props.width}px`, height: `${height()}px` }}
      role="img"
      aria-label={`heatmap of slice ${sliceLabel(props.preview.shape)}`}
    />
  );
}

function Histogram(props: { preview: TensorPreview; width: number; height: number }) {
  const most = () => Math.max(1, ...props.preview.histogram);
  const bar = () => props.width / props.preview.histogram.length;
  return (
    <svg
      class="preview-histogram"
      width={props.width}
      height={props.height}
      role="img"
      aria-label={`histogram from ${statText(props.preview.min)} to ${statText(props.preview.max)}`}
    >
      <For each={props.preview.histogram}>
        {(count, i) => {
          const h = () => (count / most()) * (props.height - 1);
          return <rect x={i() * bar()} y={props.height - h()} width={bar() - 1} height={h()} />;
        }}
      </For>
    </svg>
  );
}

/** `compact`: the size for an edge (the inspector shows it larger). */
export function TensorPreviewView(props: { tensor: Tensor; compact?: boolean; testid?: string }) {
  const preview = createMemo(() => previewOf(props.tensor.dataSync(), props.tensor.shape));
  const width = () => (props.compact ? 64 : 200);
  return (
    <div class="tensor-preview" data-testid={props.testid} data-shape={preview().shape.join(',')}>
      <div class="preview-plots">
        <Heatmap preview={preview()} width={width()} maxHeight={props.compact ? 40 : 120} />
        <Histogram preview={preview()} width={width()} height={props.compact ? 14 : 32} />
      </div>
      <div class="preview-stats">
        <Show when={!props.compact}>
          <span title="the heatmap shows this slice">slice {sliceLabel(preview().shape)}</span>
        </Show>
        <span title="mean">μ {statText(preview().mean)}</span>
        <span title="standard deviation">σ {statText(preview().std)}</span>
        <Show when={preview().nonFinite > 0}>
          <span class="preview-nonfinite">{preview().nonFinite} non-finite</span>
        </Show>
      </div>
    </div>
  );
}
