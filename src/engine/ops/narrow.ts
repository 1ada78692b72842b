import { takeAlong } from '../backends/cpu/reduce.ts';
import { run } from '../dispatch.ts';
import { AttrError, ShapeError } from '../errors.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { normalizeDim } from '../shape.ts';
import type { Shape } from '../tensor.ts';
import { type Window, windowShape } from './slice.ts';

export interface NarrowAttrs {
  dim: number;
  start: number;
  length: number;
}

/** torch.narrow's checks and messages: start may be negative; start + length must fit. */
export function narrowWindow(
  shape: Shape,
  { dim, start, length }: NarrowAttrs,
): Window | AttrError | ShapeError {
  if (shape.length === 0)
    return new AttrError('narrow', 'dim', 'narrow() cannot be applied to a 0-dim tensor.');
  const d = normalizeDim('narrow', dim, shape.length);
  if (d instanceof AttrError) return d;
  if (!Number.isInteger(length))
    return new AttrError('narrow', 'length', `must be an int, got ${JSON.stringify(length)}`);
  const size = shape[d];
  // start == size is allowed (an empty window at the end) but is not a valid index to wrap
  const s = start === size ? start : normalizeDim('narrow', start, size, 'start');
  if (s instanceof AttrError) return s;
  if (length < 0 || s > size - length) {
    return new ShapeError('narrow', `start (${s}) + length (${length}) exceeds dimension size (${size}).`, [
      { input: 0, dim: d },
    ]);
  }
  return { dim: d, start: s, step: 1, count: length };
}

export const narrow: OpDef<NarrowAttrs> = defineOp<NarrowAttrs>({
  name: 'narrow',
  kind: 'movement',
  inputs: [{ name: 'x' }],
  shape([x], attrs) {
    const w = narrowWindow(x!.shape, attrs);
    return w instanceof Error ? w : out(windowShape(x!.shape, w), x!.dtype);
  },
  forward: {
    cpu([x], attrs) {
      const w = narrowWindow(x!.shape, attrs) as Window;
      return [takeAlong(x!, w.dim, w.start, 1, w.count)];
    },
  },
  vjp({ inputs: [x] }, [dy], attrs) {
    const { dim, start } = narrowWindow(x!.shape, attrs) as Window;
    return [run('slice_backward', [dy], { shape: [...x!.shape], dim, start, step: 1 })];
  },
  formula: 'dX = zeros with dX[start:start+length] = dY along dim',
});
