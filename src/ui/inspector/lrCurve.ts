/**
 * The planned learning rate of a scheduler node, if its type exposes one. Scheduler node
 * types declare `lrCurve(params, steps?)` returning the LR per step; the inspector plots it.
 */
import type { AnyNodeDef } from '../../nodes/index.ts';

type WithCurve = AnyNodeDef & {
  lrCurve?: (params: Record<string, unknown>, steps?: number) => readonly number[];
};

export function plannedLr(
  def: AnyNodeDef | undefined,
  params: Record<string, unknown>,
  steps = 100,
): number[] | null {
  const curve = (def as WithCurve | undefined)?.lrCurve;
  if (typeof curve !== 'function') return null;
  try {
    const values = curve.call(def, params, steps);
    return Array.isArray(values) && values.every((v) => typeof v === 'number' && Number.isFinite(v))
      ? [...values]
      : null;
  } catch {
    // a bad param combination: the inspector shows the params' own errors instead
    return null;
  }
}

/** An SVG polyline `points` string for values over a width × height box (y grows down). */
export function curvePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(...values);
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  const dx = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * dx).toFixed(1)},${(height - ((v - min) / span) * height).toFixed(1)}`)
    .join(' ');
}
