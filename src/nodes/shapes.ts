/**
 * Shape helpers over symbolic dims for node shape rules. With only numeric dims they defer to
 * the engine's own rules (src/engine/shape.ts), so results and PyTorch messages are the
 * engine's word for word; with symbols they follow the same cases, unifying a symbol with the
 * size it must match.
 */
import { ShapeError } from '../engine/errors.ts';
import { broadcastShapes, isBroadcastTrap, matmulShape } from '../engine/shape.ts';
import { isSymbol } from './params.ts';
import type { BroadcastExplanation, Dim, FixSuggestion, ShapeIssue } from './types.ts';

/** What a shape helper needs from inference: unify two dims (binding symbols). */
export interface Unifier {
  unify(a: Dim, b: Dim): boolean;
}

export function isNumeric(dims: readonly Dim[]): dims is number[] {
  for (const d of dims) if (typeof d !== 'number') return false;
  return true;
}

/** [N] against [..., N, 1]: a vector meeting a column of the same length. */
function vectorMeetsColumn(v: readonly Dim[], m: readonly Dim[]): boolean {
  return v.length === 1 && v[0] !== 1 && m.length >= 2 && m[m.length - 1] === 1 && m[m.length - 2] === v[0];
}

export function formatDims(dims: readonly Dim[]): string {
  return `[${dims.join(', ')}]`;
}

/** Product of dims: a number, or a symbolic product like "N*3" (for messages). */
export function productOf(dims: readonly Dim[]): Dim {
  if (isNumeric(dims)) return dims.reduce((x, y) => x * y, 1);
  const known = dims.filter((d): d is number => typeof d === 'number').reduce((x, y) => x * y, 1);
  const symbols = dims.filter((d): d is string => typeof d === 'string');
  return [...symbols, ...(known === 1 ? [] : [known])].join('*');
}

/** Both shapes right-aligned, the offending column marked with ^. */
export function explainBroadcast(
  a: readonly Dim[],
  b: readonly Dim[],
  column: number,
  result: Dim[] | null,
  sentence: string,
): BroadcastExplanation {
  const rank = Math.max(a.length, b.length);
  const pad = (s: readonly Dim[]): (Dim | null)[] => [...new Array<null>(rank - s.length).fill(null), ...s];
  const rows = [
    { label: 'a', dims: pad(a) },
    { label: 'b', dims: pad(b) },
  ];
  const width = Math.max(1, ...[...a, ...b, ...(result ?? [])].map((d) => String(d).length));
  const cell = (d: Dim | null) => (d === null ? '' : String(d)).padStart(width + 1);
  const lines = rows.map((r) => `${r.label}: ${r.dims.map(cell).join('')}`);
  if (result) lines.push(`=> ${pad(result).map(cell).join('')}`);
  if (column >= 0) lines.push(`   ${' '.repeat((width + 1) * column)}${'^'.padStart(width + 1)}`);
  lines.push(sentence);
  return { kind: 'broadcast', rows, column, result, text: lines.join('\n') };
}

function broadcastIssue(a: readonly Dim[], b: readonly Dim[], i: number, da: Dim, db: Dim): ShapeIssue {
  const message = `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`;
  const sentence = `Dims are compared from the right; at dim ${i} the sizes ${da} and ${db} differ and neither is 1.`;
  return {
    severity: 'error',
    code: 'broadcast',
    message,
    explanation: explainBroadcast(a, b, i, null, sentence),
  };
}

/**
 * Elementwise broadcasting (NumPy/PyTorch), over symbolic dims. A symbol meeting a size other
 * than 1 is taken to be that size (unified), two different symbols are unified.
 */
export function broadcastDims(a: readonly Dim[], b: readonly Dim[], u: Unifier): Dim[] | ShapeIssue {
  if (isNumeric(a) && isNumeric(b)) {
    const r = broadcastShapes(a, b);
    if (r instanceof ShapeError) {
      const column = Number(/dimension (\d+)$/.exec(r.message)?.[1] ?? -1);
      const rank = Math.max(a.length, b.length);
      const da = a[column - (rank - a.length)];
      const db = b[column - (rank - b.length)];
      return broadcastIssue(a, b, column, da, db);
    }
    return r;
  }
  const rank = Math.max(a.length, b.length);
  const result = new Array<Dim>(rank);
  for (let i = rank - 1; i >= 0; i--) {
    const da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
    const db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
    if (da === db || db === 1) result[i] = da;
    else if (da === 1) result[i] = db;
    else if (u.unify(da, db)) result[i] = typeof da === 'number' ? da : db;
    else return broadcastIssue(a, b, i, da, db);
  }
  return result;
}

/** The `(N) - (N,1) -> (N,N)` trap as a warning; null when the shapes are not a trap. */
export function broadcastTrap(a: readonly Dim[], b: readonly Dim[], result: Dim[]): ShapeIssue | null {
  const trap =
    isNumeric(a) && isNumeric(b) ? isBroadcastTrap(a, b) : vectorMeetsColumn(a, b) || vectorMeetsColumn(b, a);
  if (!trap) return null;
  const n = (a.length === 1 ? a : b)[0];
  const sentence =
    `A vector of ${n} and a column of ${n} broadcast to a ${n}x${n} matrix: every pair is combined. ` +
    'This is almost never meant (e.g. predictions [N,1] minus targets [N]); reshape one side to match.';
  return {
    severity: 'warning',
    code: 'broadcast_trap',
    message: `broadcasting ${formatDims(a)} with ${formatDims(b)} gives ${formatDims(result)}`,
    explanation: explainBroadcast(a, b, result.length - 1, result, sentence),
  };
}

const last = (s: readonly Dim[], k = 1) => s[s.length - k];

/**
 * torch.matmul over symbolic dims. Numeric shapes use the engine's rule (PyTorch's messages);
 * symbolic ones follow the same dispatch, with symbolic products in the messages.
 */
export function matmulDims(a: readonly Dim[], b: readonly Dim[], u: Unifier): Dim[] | ShapeIssue {
  const issue = (code: string, message: string): ShapeIssue => ({ severity: 'error', code, message });
  if (isNumeric(a) && isNumeric(b)) {
    const r = matmulShape(a, b);
    return r instanceof ShapeError ? issue(r.code, r.message) : r;
  }
  const d1 = a.length;
  const d2 = b.length;
  if (d1 === 0 || d2 === 0) {
    return issue('rank0', `both arguments to matmul need to be at least 1D, but they are ${d1}D and ${d2}D`);
  }
  const mm = (r1: Dim, c1: Dim, r2: Dim, c2: Dim) =>
    issue('inner_dim', `mat1 and mat2 shapes cannot be multiplied (${r1}x${c1} and ${r2}x${c2})`);
  const mv = (rows: Dim, cols: Dim, vec: Dim) =>
    issue('inner_dim', `size mismatch, got ${rows}, ${rows}x${cols},${vec}`);
  if (d1 === 1 && d2 === 1) {
    return u.unify(a[0], b[0])
      ? []
      : issue(
          'inner_dim',
          `inconsistent tensor size, expected tensor [${a[0]}] and src [${b[0]}] to have the same number of elements, but got ${a[0]} and ${b[0]} elements respectively`,
        );
  }
  if (d1 === 2 && d2 === 1) return u.unify(a[1], b[0]) ? [a[0]] : mv(a[0], a[1], b[0]);
  if (d1 === 1 && d2 === 2) return u.unify(a[0], b[0]) ? [b[1]] : mm(1, a[0], b[0], b[1]);
  if (d1 === 2 && d2 === 2) return u.unify(a[1], b[0]) ? [a[0], b[1]] : mm(a[0], a[1], b[0], b[1]);
  if (d1 >= 3 && d2 <= 2) {
    const rows = productOf(a.slice(0, -1));
    if (d2 === 1) return u.unify(last(a), b[0]) ? a.slice(0, -1) : mv(rows, last(a), b[0]);
    return u.unify(last(a), b[0]) ? [...a.slice(0, -1), b[1]] : mm(rows, last(a), b[0], b[1]);
  }
  if (d2 >= 3 && d1 <= 2) {
    const rows = productOf([...b.slice(0, -2), last(b)]);
    const k = last(b, 2);
    if (d1 === 1) return u.unify(a[0], k) ? [...b.slice(0, -2), last(b)] : mv(rows, k, a[0]);
    return u.unify(a[1], k) ? [...b.slice(0, -2), a[0], last(b)] : mm(rows, k, a[1], a[0]);
  }
  const batch = broadcastDims(a.slice(0, -2), b.slice(0, -2), u);
  if (!Array.isArray(batch)) return { ...batch, code: 'batch_broadcast' };
  if (!u.unify(last(a), last(b, 2))) {
    const bp = productOf(batch);
    return issue(
      'inner_dim',
      `Expected size for first two dimensions of batch2 tensor to be: [${bp}, ${last(a)}] but got: [${bp}, ${last(b, 2)}].`,
    );
  }
  return [...batch, last(a, 2), last(b)];
}

/** A dim index that may be negative, checked against the rank with PyTorch's message. */
export function normalizeDimIndex(dim: number, rank: number): number | ShapeIssue {
  const r = Math.max(rank, 1);
  if (dim < -r || dim >= r) {
    return {
      severity: 'error',
      code: 'dim_range',
      message: `Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
    };
  }
  return dim < 0 ? dim + r : dim;
}

/** Checks shapes without binding anything; a symbol is taken to fit any size. */
const optimistic: Unifier = { unify: (a, b) => a === b || typeof a === 'string' || typeof b === 'string' };

const sameDims = (x: readonly Dim[], y: readonly Dim[]) =>
  x.length === y.length && x.every((d, i) => d === y[i]);

const withTrailingOne = (d: readonly Dim[]): Dim[] => [...d, 1];
const swapLastTwo = (d: readonly Dim[]): Dim[] => [...d.slice(0, -2), d[d.length - 1], d[d.length - 2]];

/**
 * Edits that make two operands broadcast: a size-1 dim appended to one side (Unsqueeze), or
 * its last two dims swapped (Transpose). Only those that would work are offered.
 */
export function broadcastFixes(
  a: readonly Dim[],
  b: readonly Dim[],
  u: Unifier = optimistic,
): FixSuggestion[] {
  const fixes: FixSuggestion[] = [];
  for (const [port, mine, other] of [
    ['b', b, a],
    ['a', a, b],
  ] as const) {
    // a fix must fit without growing anything: the result is one of the operands' own shapes
    const fits = (d: Dim[]) => {
      const result = port === 'b' ? broadcastDims(other, d, u) : broadcastDims(d, other, u);
      return Array.isArray(result) && (sameDims(result, other) || sameDims(result, mine));
    };
    const unsqueezed = withTrailingOne(mine);
    if (fits(unsqueezed)) {
      fixes.push({
        label: `Unsqueeze ${port} to ${formatDims(unsqueezed)}`,
        intents: [{ kind: 'insertBefore', port, nodeType: 'Unsqueeze', params: { dim: -1 } }],
      });
    }
    if (mine.length >= 2 && fits(swapLastTwo(mine))) {
      fixes.push({
        label: `Transpose ${port} to ${formatDims(swapLastTwo(mine))}`,
        intents: [{ kind: 'insertBefore', port, nodeType: 'Transpose', params: { dim0: -2, dim1: -1 } }],
      });
    }
  }
  return fixes;
}

/** For the `(N) - (N,1)` trap: make both sides columns, or both vectors. */
export function trapFixes(a: readonly Dim[], b: readonly Dim[]): FixSuggestion[] {
  const [vectorPort, columnPort, vector, column] =
    a.length === 1 ? (['a', 'b', a, b] as const) : (['b', 'a', b, a] as const);
  const fixes: FixSuggestion[] = [
    {
      label: `Unsqueeze ${vectorPort} to ${formatDims([...vector, 1])} (elementwise, no N×N)`,
      intents: [{ kind: 'insertBefore', port: vectorPort, nodeType: 'Unsqueeze', params: { dim: -1 } }],
    },
  ];
  // a Reshape param holds plain sizes and names, not products like N*28
  if (column.length === 2 && vector.every((d) => typeof d === 'number' || isSymbol(d))) {
    fixes.push({
      label: `Reshape ${columnPort} to ${formatDims(vector)} (elementwise, no N×N)`,
      intents: [
        { kind: 'insertBefore', port: columnPort, nodeType: 'Reshape', params: { shape: [...vector] } },
      ],
    });
  }
  return fixes;
}

/** Symbols only match themselves: what would fit if no symbol were bound. */
const strict: Unifier = { unify: (a, b) => a === b };

/**
 * Broadcasting that only works by binding a symbol (`[N, 10]` with `[N]` makes N = 10): valid,
 * but it silently fixes a size the user left free, so it is a warning with the fixes that
 * avoid it. Null when no column needs a symbol bound.
 */
export function broadcastBindingWarning(
  a: readonly Dim[],
  b: readonly Dim[],
  result: Dim[],
): ShapeIssue | null {
  const rank = Math.max(a.length, b.length);
  for (let i = rank - 1; i >= 0; i--) {
    const da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
    const db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
    if (da === db || da === 1 || db === 1 || (typeof da === 'number' && typeof db === 'number')) continue;
    const what =
      typeof da === 'string' && typeof db === 'string'
        ? `makes ${da} and ${db} the same size`
        : `binds ${typeof da === 'string' ? da : db} to ${typeof da === 'string' ? db : da}`;
    const sentence = `At dim ${i} the sizes ${da} and ${db} only match if they are equal, so inference takes them to be; if one is a batch size, that is almost never meant.`;
    return {
      severity: 'warning',
      code: 'broadcast_binds_symbol',
      message: `broadcasting ${formatDims(a)} with ${formatDims(b)} ${what}`,
      explanation: explainBroadcast(a, b, i, result, sentence),
      fixes: broadcastFixes(a, b, strict),
    };
  }
  return null;
}
