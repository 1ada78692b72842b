/** Dim arithmetic for shape rules and counts: numbers where known, readable symbolic expressions otherwise. */
import { sizeOrZero } from '../define.ts';
import type { Dim } from '../types.ts';

/** Number of elements; symbols count as 0 (unknown), as parameter counts do. */
export function numel(dims: readonly Dim[]): number {
  return dims.reduce<number>((n, d) => n * sizeOrZero(d), 1);
}

/** A symbolic expression wrapped so it can be an operand (`N*2` stays, `H-2` becomes `(H-2)`). */
export function operand(d: Dim): string {
  const text = String(d);
  return /^[A-Za-z0-9_']+$/.test(text) ? text : `(${text})`;
}

/** a + b over dims (Concat): a number when both are known. */
export function addDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return `${a}+${b}`;
}

/** d·k over dims. */
export function scaleDim(d: Dim, k: number): Dim {
  if (typeof d === 'number') return d * k;
  return k === 1 ? d : `${operand(d)}*${k}`;
}

/**
 * One output size of a sliding window (conv, pool): ⌊(H + 2p − d(k−1) − 1 [+ s − 1 in ceil
 * mode]) / s⌋ + 1; in ceil mode the last window must start inside the input or its left padding.
 * A symbolic H gives the same formula as text, which live mode evaluates.
 */
export function slidingOut(h: Dim, k: number, s: number, p: number, d: number, ceil = false): Dim {
  const shrink = d * (k - 1) + 1 - 2 * p;
  if (typeof h === 'number') {
    const span = h - shrink + (ceil ? s - 1 : 0);
    let out = Math.floor(span / s) + 1;
    if (ceil && (out - 1) * s >= h + p) out--;
    return out;
  }
  const extra = ceil ? s - 1 : 0;
  const offset = -shrink + extra;
  const shifted = offset === 0 ? operand(h) : `${operand(h)}${offset > 0 ? '+' : '-'}${Math.abs(offset)}`;
  if (s === 1)
    return offset + 1 === 0 ? h : `${operand(h)}${offset + 1 > 0 ? '+' : '-'}${Math.abs(offset + 1)}`;
  return `(${shifted})/${s}+1`;
}

/** Transposed-conv output size: (H − 1)·s − 2p + d(k − 1) + output_padding + 1. */
export function transposedOut(h: Dim, k: number, s: number, p: number, d: number, outPad: number): Dim {
  const add = -2 * p + d * (k - 1) + outPad + 1;
  if (typeof h === 'number') return (h - 1) * s + add;
  const base = s === 1 ? `${operand(h)}-1` : `(${operand(h)}-1)*${s}`;
  return add === 0 ? base : `${base}${add > 0 ? '+' : '-'}${Math.abs(add)}`;
}
