import { AttrError, ShapeError } from './errors.ts';
import type { Shape } from './tensor.ts';

/**
 * NumPy/PyTorch broadcasting. The error is PyTorch's, word for word: shapes aligned from the
 * right, the first mismatch scanning from the right, D indexing the broadcast result.
 */
export function broadcastShapes(a: Shape, b: Shape, op = 'broadcast'): number[] | ShapeError {
  const rank = Math.max(a.length, b.length);
  const result = new Array<number>(rank);
  for (let i = rank - 1; i >= 0; i--) {
    const ai = i - (rank - a.length);
    const bi = i - (rank - b.length);
    const da = ai >= 0 ? a[ai] : 1;
    const db = bi >= 0 ? b[bi] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      return new ShapeError(
        op,
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
        [
          { input: 0, dim: ai },
          { input: 1, dim: bi },
        ],
        'broadcast',
      );
    }
    result[i] = da === 1 ? db : da;
  }
  return result;
}

/** The `(N) - (N,1) -> (N,N)` trap: valid, but almost never what was meant. */
export function isBroadcastTrap(a: Shape, b: Shape): boolean {
  const trap = (v: Shape, m: Shape) =>
    v.length === 1 && v[0] > 1 && m.length >= 2 && m[m.length - 1] === 1 && m[m.length - 2] === v[0];
  return trap(a, b) || trap(b, a);
}

const prod = (s: Shape) => s.reduce((x, y) => x * y, 1);

function mmError(r1: number, c1: number, r2: number, c2: number): ShapeError {
  return new ShapeError(
    'matmul',
    `mat1 and mat2 shapes cannot be multiplied (${r1}x${c1} and ${r2}x${c2})`,
    [],
    'inner_dim',
  );
}

function mvError(rows: number, cols: number, vec: number): ShapeError {
  return new ShapeError('matmul', `size mismatch, got ${rows}, ${rows}x${cols},${vec}`, [], 'inner_dim');
}

/**
 * torch.matmul's result shape. Messages follow PyTorch 1.13's dispatch (dot, mv, mm, the
 * folding of batch dims into mm/mv, then bmm), so they name the folded sizes as it does.
 */
export function matmulShape(a: Shape, b: Shape): number[] | ShapeError {
  const d1 = a.length;
  const d2 = b.length;
  const last = (s: Shape, k = 1) => s[s.length - k];
  if (d1 === 0 || d2 === 0) {
    return new ShapeError(
      'matmul',
      `both arguments to matmul need to be at least 1D, but they are ${d1}D and ${d2}D`,
      [],
      'rank0',
    );
  }
  const inner = { a: { input: 0, dim: d1 - 1 }, b: { input: 1, dim: d2 === 1 ? 0 : d2 - 2 } };
  const withDims = (e: ShapeError) => new ShapeError('matmul', e.message, [inner.a, inner.b], e.code);
  if (d1 === 1 && d2 === 1) {
    if (a[0] !== b[0]) {
      return withDims(
        new ShapeError(
          'matmul',
          `inconsistent tensor size, expected tensor [${a[0]}] and src [${b[0]}] to have the same number of elements, but got ${a[0]} and ${b[0]} elements respectively`,
          [],
          'inner_dim',
        ),
      );
    }
    return [];
  }
  if (d1 === 2 && d2 === 1) return a[1] === b[0] ? [a[0]] : withDims(mvError(a[0], a[1], b[0]));
  if (d1 === 1 && d2 === 2) return a[0] === b[0] ? [b[1]] : withDims(mmError(1, a[0], b[0], b[1]));
  if (d1 === 2 && d2 === 2) return a[1] === b[0] ? [a[0], b[1]] : withDims(mmError(a[0], a[1], b[0], b[1]));
  if (d1 >= 3 && d2 <= 2) {
    // PyTorch folds a's batch dims into rows and calls mm / mv.
    const rows = prod(a.slice(0, -1));
    if (d2 === 1) return a[d1 - 1] === b[0] ? a.slice(0, -1) : withDims(mvError(rows, last(a), b[0]));
    return a[d1 - 1] === b[0] ? [...a.slice(0, -1), b[1]] : withDims(mmError(rows, last(a), b[0], b[1]));
  }
  if (d2 >= 3 && d1 <= 2) {
    // Folded the other way: bᵀ (batch dims folded) times aᵀ.
    const rows = prod(b.slice(0, -2)) * last(b);
    const k = last(b, 2);
    if (d1 === 1) return a[0] === k ? [...b.slice(0, -2), last(b)] : withDims(mvError(rows, k, a[0]));
    return a[1] === k ? [...b.slice(0, -2), a[0], last(b)] : withDims(mmError(rows, k, a[1], a[0]));
  }
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2), 'matmul');
  if (batch instanceof ShapeError) {
    // indices in the message are those of the batch dims; map the highlighted dims back
    return new ShapeError('matmul', batch.message, batch.dims, 'batch_broadcast');
  }
  const n = last(a, 2);
  const m1 = last(a);
  const m2 = last(b, 2);
  const p = last(b);
  if (m1 !== m2) {
    const bp = prod(batch);
    return withDims(
      new ShapeError(
        'matmul',
        `Expected size for first two dimensions of batch2 tensor to be: [${bp}, ${m1}] but got: [${bp}, ${m2}].`,
        [],
        'inner_dim',
      ),
    );
  }
  return [...batch, n, p];
}

/** A dim index that may be negative, checked against the rank like PyTorch. */
export function normalizeDim(op: string, dim: number, rank: number, attr = 'dim'): number | AttrError {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    return new AttrError(
      op,
      attr,
      `Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
