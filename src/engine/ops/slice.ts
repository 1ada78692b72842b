import { placeAlong, takeAlong } from '../backends/cpu/reduce.ts';
import { run } from '../dispatch.ts';
import { AttrError, ShapeError } from '../errors.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { normalizeDim, sameShape } from '../shape.ts';
import type { Shape } from '../tensor.ts';

export interface SliceAttrs {
  dim: number;
  /** null = from the start; negative counts from the end (Python slicing) */
  start: number | null;
  /** null = to the end; negative counts from the end */
  end: number | null;
  step: number;
}

/** A resolved window along one dim: `count` elements from `start`, `step` apart. */
export interface Window {
  dim: number;
  start: number;
  step: number;
  count: number;
}

function isIntOrNull(v: unknown): boolean {
  return v === null || v === undefined || Number.isInteger(v);
}

/** x[..., start:end:step] along dim, resolved as at::slice does (clamped, never an index error). */
export function sliceWindow(shape: Shape, attrs: SliceAttrs): Window | AttrError {
  if (shape.length === 0)
    return new AttrError('slice', 'dim', 'slice() cannot be applied to a 0-dim tensor.');
  const dim = normalizeDim('slice', attrs.dim, shape.length);
  if (dim instanceof AttrError) return dim;
  const step = attrs.step ?? 1;
  if (!Number.isInteger(step))
    return new AttrError('slice', 'step', `must be an int, got ${JSON.stringify(step)}`);
  if (step <= 0) return new AttrError('slice', 'step', 'slice step must be positive');
  if (!isIntOrNull(attrs.start))
    return new AttrError('slice', 'start', `must be an int or null, got ${JSON.stringify(attrs.start)}`);
  if (!isIntOrNull(attrs.end))
    return new AttrError('slice', 'end', `must be an int or null, got ${JSON.stringify(attrs.end)}`);
  const size = shape[dim];
  const wrap = (i: number) => (i < 0 ? i + size : i);
  const start = Math.min(Math.max(wrap(attrs.start ?? 0), 0), size);
  const end = Math.min(Math.max(wrap(attrs.end ?? size), start), size);
  return { dim, start, step, count: Math.ceil((end - start) / step) };
}

export function windowShape(shape: Shape, w: Window): number[] {
  return shape.map((d, i) => (i === w.dim ? w.count : d));
}

export const slice: OpDef<SliceAttrs> = defineOp<SliceAttrs>({
  name: 'slice',
  kind: 'movement',
  inputs: [{ name: 'x' }],
  defaults: { start: null, end: null, step: 1 },
  shape([x], attrs) {
    const w = sliceWindow(x!.shape, attrs);
    return w instanceof AttrError ? w : out(windowShape(x!.shape, w), x!.dtype);
  },
  forward: {
    cpu([x], attrs) {
      const w = sliceWindow(x!.shape, attrs) as Window;
      return [takeAlong(x!, w.dim, w.start, w.step, w.count)];
    },
  },
  vjp({ inputs: [x] }, [dy], attrs) {
    const { dim, start, step } = sliceWindow(x!.shape, attrs) as Window;
    return [run('slice_backward', [dy], { shape: [...x!.shape], dim, start, step })];
  },
  formula: 'dX = zeros with dX[start:end:step] = dY along dim',
});

export interface SliceBackwardAttrs {
  /** the sliced input's shape */
  shape: number[];
  dim: number;
  start: number;
  step: number;
}

/** Scatter a slice's gradient into zeros of the input's shape (PyTorch's slice_backward). */
export const slice_backward: OpDef<SliceBackwardAttrs> = defineOp<SliceBackwardAttrs>({
  name: 'slice_backward',
  kind: 'backward',
  inputs: [{ name: 'dy' }],
  shape([dy], { shape, dim, start, step }) {
    const count = dy!.shape[dim];
    const fits =
      dy!.shape.length === shape.length &&
      sameShape(windowShape(shape, { dim, start, step, count }), dy!.shape) &&
      (count === 0 || start + (count - 1) * step < shape[dim]);
    return fits
      ? out(shape, dy!.dtype)
      : new ShapeError(
          'slice_backward',
          `slice_backward: a [${dy!.shape}] gradient does not fit [${shape}] at dim ${dim}`,
        );
  },
  forward: { cpu: ([dy], { shape, dim, start, step }) => [placeAlong(dy!, shape, dim, start, step)] },
  formula: 'dX = zeros with the window set to dY',
});
