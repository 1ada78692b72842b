/**
 * A tensor as a small heatmap: rows × last dim, each cell coloured by its value (blue below
 * zero, red above), with the number written in when the tensor is small. The full value is
 * in each cell's title.
 */
import { For, Show } from 'solid-js';
import { formatNumber, type TensorSummary } from '../../graph/stepper.ts';

/** Cells with the number written in, up to this many; beyond it only colours. */
const NUMBERS_UP_TO = 64;
const MAX_ROWS = 24;
const MAX_COLS = 32;

export function cellColor(v: number, scale: number): string {
  if (!Number.isFinite(v)) return 'var(--stepper-nonfinite)';
  const t = scale > 0 ? Math.min(1, Math.abs(v) / scale) : 0;
  const alpha = (0.08 + 0.72 * t).toFixed(3);
  return v < 0 ? `rgba(70, 130, 255, ${alpha})` : `rgba(255, 95, 70, ${alpha})`;
}

function layout(shape: number[]): { rows: number; cols: number } {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  const cols = shape[shape.length - 1];
  return { rows: shape.slice(0, -1).reduce((a, b) => a * b, 1), cols };
}

export function shapeLabel(shape: number[]): string {
  return shape.length === 0 ? 'scalar' : `[${shape.join(', ')}]`;
}

export function TensorGrid(props: { value: TensorSummary; testid?: string }) {
  const dims = () => layout(props.value.shape);
  const scale = () => Math.max(Math.abs(props.value.stats.min), Math.abs(props.value.stats.max)) || 1;
  const numbers = () => props.value.size <= NUMBERS_UP_TO;
  const rows = () => Array.from({ length: Math.min(dims().rows, MAX_ROWS) }, (_, r) => r);
  const cols = () => Array.from({ length: Math.min(dims().cols, MAX_COLS) }, (_, c) => c);
  const clipped = () => dims().rows > MAX_ROWS || dims().cols > MAX_COLS;
  return (
    <div class="tensor" data-testid={props.testid} data-shape={props.value.shape.join(',')}>
      <div class="tensor-meta">
        <span class="tensor-shape">{shapeLabel(props.value.shape)}</span>
        <span class="tensor-stats">
          min {formatNumber(props.value.stats.min)} · max {formatNumber(props.value.stats.max)} · ‖·‖{' '}
          {formatNumber(props.value.stats.norm)}
          <Show when={props.value.stats.nonFinite > 0}>
            <span class="tensor-nonfinite"> · {props.value.stats.nonFinite} non-finite</span>
          </Show>
        </span>
      </div>
      <div
        class={numbers() ? 'tensor-grid numbers' : 'tensor-grid heat'}
        style={{ 'grid-template-columns': `repeat(${cols().length}, auto)` }}
      >
        <For each={rows()}>
          {(r) => (
            <For each={cols()}>
              {(c) => {
                const v = () => props.value.values[r * dims().cols + c];
                return (
                  <span
                    class="cell"
                    title={String(v())}
                    data-value={String(v())}
                    style={{ background: cellColor(v(), scale()) }}
                  >
                    {numbers() ? formatNumber(v()) : ''}
                  </span>
                );
              }}
            </For>
          )}
        </For>
      </div>
      <Show when={clipped()}>
        <div class="tensor-clipped muted">
          showing {Math.min(dims().rows, MAX_ROWS)} × {Math.min(dims().cols, MAX_COLS)} of {dims().rows} ×{' '}
          {dims().cols}
        </div>
      </Show>
    </div>
  );
}
