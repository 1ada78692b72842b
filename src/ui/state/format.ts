/**
 * How shapes and values read on screen. A shape is a row of dims joined by `×`; a symbolic
 * dim (a name like `N`, or a product like `N*28`) is marked so the view can set it apart
 * from numbers.
 */
import type { Dim, TensorType } from '../../nodes/index.ts';

export interface DimPart {
  text: string;
  symbolic: boolean;
}

/** `['N', 1, 28, 28]` → parts N, 1, 28, 28 (N symbolic); a product `N*28` reads `N·28`. */
export function dimParts(dims: readonly Dim[]): DimPart[] {
  return dims.map((d) =>
    typeof d === 'number'
      ? { text: String(d), symbolic: false }
      : { text: d.replace(/\*/g, '·'), symbolic: true },
  );
}

/** Plain text of a shape, as the edge label reads: `N×1×28×28`; a scalar reads `scalar`. */
export function shapeText(type: TensorType | null | undefined): string {
  if (!type) return '?';
  if (type.dims.length === 0) return 'scalar';
  return dimParts(type.dims)
    .map((p) => p.text)
    .join('×');
}

/** 1234567 → "1,234,567" */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 1_500_000 → "1.5M" (FLOPs, large counts) */
export function formatCompact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  const units = ['K', 'M', 'G', 'T'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${units[u]}`;
}

/** A param value as a short text ("3", "[2, 2]", "mean", "N×784"). */
export function valueText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`;
  if (value === null) return 'None';
  return String(value);
}
