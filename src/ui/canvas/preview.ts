/**
 * What an edge's live preview shows of a tensor: mean and std, a histogram, and a 2-D slice
 * (the last two dims at index 0 of the leading ones) as a heatmap. Pure: numbers in, numbers out.
 */

export const HISTOGRAM_BINS = 16;
/** a slice wider or taller than this is sampled down (every k-th row/column) */
export const MAX_SLICE_SIDE = 64;

export interface TensorPreview {
  shape: number[];
  mean: number;
  std: number;
  min: number;
  max: number;
  /** NaN and ±Inf values, left out of the stats */
  nonFinite: number;
  /** counts per bin over [min, max] */
  histogram: number[];
  /** the 2-D slice, row-major */
  slice: { rows: number; cols: number; values: Float32Array };
}

/** Which dims the slice shows, in words: `[0, 0, :, :]` for a 4-D tensor. */
export function sliceLabel(shape: readonly number[]): string {
  if (shape.length === 0) return 'scalar';
  const lead = shape.slice(0, -2).map(() => '0');
  const rest = shape.length === 1 ? [':'] : [':', ':'];
  return `[${[...lead, ...rest].join(', ')}]`;
}

function sliceOf(data: ArrayLike<number>, shape: readonly number[]): TensorPreview['slice'] {
  const fullCols = shape.length === 0 ? 1 : shape[shape.length - 1];
  const fullRows = shape.length < 2 ? 1 : shape[shape.length - 2];
  const rowStep = Math.ceil(fullRows / MAX_SLICE_SIDE);
  const colStep = Math.ceil(fullCols / MAX_SLICE_SIDE);
  const rows = Math.ceil(fullRows / rowStep);
  const cols = Math.ceil(fullCols / colStep);
  const values = new Float32Array(rows * cols);
  // index 0 of every leading dim: the slice is the tensor's first fullRows × fullCols values
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) values[r * cols + c] = data[r * rowStep * fullCols + c * colStep] ?? 0;
  return { rows, cols, values };
}

export function previewOf(data: ArrayLike<number>, shape: readonly number[]): TensorPreview {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    finite++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = finite ? sum / finite : Number.NaN;
  let squares = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) squares += (v - mean) ** 2;
  }
  const histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  const width = max - min;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    const bin = width > 0 ? Math.floor(((v - min) / width) * HISTOGRAM_BINS) : HISTOGRAM_BINS >> 1;
    histogram[Math.min(HISTOGRAM_BINS - 1, bin)]++;
  }
  return {
    shape: [...shape],
    mean,
    // population std, as torch.std(unbiased=False)
    std: finite ? Math.sqrt(squares / finite) : Number.NaN,
    min: finite ? min : Number.NaN,
    max: finite ? max : Number.NaN,
    nonFinite: data.length - finite,
    histogram,
    slice: sliceOf(data, shape),
  };
}

/** A diverging colour (blue below zero, red above) as RGBA bytes; `scale` is the largest |value|. */
export function heatColor(v: number, scale: number): [number, number, number, number] {
  if (!Number.isFinite(v)) return [255, 0, 255, 255];
  const t = scale > 0 ? Math.min(1, Math.abs(v) / scale) : 0;
  const alpha = Math.round(255 * (0.1 + 0.9 * t));
  return v < 0 ? [70, 130, 255, alpha] : [255, 95, 70, alpha];
}

/** The slice as RGBA pixels (one per value), for a canvas ImageData. */
export function slicePixels(preview: TensorPreview): Uint8ClampedArray {
  const { values } = preview.slice;
  let scale = 0;
  for (const v of values) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const pixels = new Uint8ClampedArray(values.length * 4);
  values.forEach((v, i) => pixels.set(heatColor(v, scale), i * 4));
  return pixels;
}

/** Short number text for a preview's stats: 3 significant digits, exponent when tiny or huge. */
export function statText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}
