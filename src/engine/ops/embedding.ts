import { run } from '../dispatch.ts';
import { AttrError, DTypeError, OpError, ShapeError } from '../errors.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { allocFloat, type DType, type FloatStorage, isFloat, type Storage } from '../tensor.ts';

export interface EmbeddingAttrs {
  /** null, or a row (negative counts from the end) whose gradient stays zero */
  padding_idx: number | null;
}

/** PyTorch's checks on padding_idx; returns the row it names (or null). */
export function paddingRow(
  op: string,
  padding_idx: number | null | undefined,
  rows: number,
): number | null | AttrError {
  if (padding_idx === null || padding_idx === undefined) return null;
  if (!Number.isInteger(padding_idx) || padding_idx >= rows || padding_idx < -rows) {
    return new AttrError(
      op,
      'padding_idx',
      `Padding_idx must be within num_embeddings (got ${padding_idx}, num_embeddings ${rows})`,
    );
  }
  return padding_idx < 0 ? padding_idx + rows : padding_idx;
}

/** Indices are checked against the table when the kernel runs (values are not known before). */
export function checkIndex(op: string, index: number, rows: number): void {
  if (index < 0 || index >= rows) {
    throw new OpError(
      'shape',
      op,
      `index out of range in self (${op}: index ${index}, num_embeddings ${rows})`,
    );
  }
}

/** F.embedding: out[..., :] = weight[indices[...], :]. */
export const embedding: OpDef<EmbeddingAttrs> = defineOp<EmbeddingAttrs>({
  name: 'embedding',
  kind: 'index',
  inputs: [{ name: 'indices', noGrad: true }, { name: 'weight' }],
  defaults: { padding_idx: null },
  shape([indices, weight], { padding_idx }) {
    if (indices!.dtype !== 'int32') {
      return new DTypeError(
        'embedding',
        `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${indices!.dtype} instead`,
        0,
      );
    }
    if (!isFloat(weight!.dtype))
      return new DTypeError('embedding', `expected a float32 or float64 weight, got ${weight!.dtype}`, 1);
    if (weight!.shape.length !== 2) {
      return new ShapeError('embedding', `'weight' must be 2-D, got [${weight!.shape}]`, [
        { input: 1, dim: 0 },
      ]);
    }
    const row = paddingRow('embedding', padding_idx, weight!.shape[0]);
    if (row instanceof Error) return row;
    return out([...indices!.shape, weight!.shape[1]], weight!.dtype);
  },
  forward: {
    cpu([indices, weight], _attrs, [o]) {
      const [V, D] = weight!.shape;
      const ids = indices!.data;
      const table = weight!.data;
      const y = allocFloat(o.dtype, ids.length * D);
      for (let i = 0; i < ids.length; i++) {
        checkIndex('embedding', ids[i], V);
        y.set(table.subarray(ids[i] * D, (ids[i] + 1) * D), i * D);
      }
      return [y];
    },
  },
  vjp({ inputs: [indices, weight] }, [dy], { padding_idx }) {
    const num_weights = weight!.shape[0];
    return [null, run('embedding_backward', [indices!, dy], { num_weights, padding_idx })];
  },
  formula: 'dW[v] = Σ_{i: idx_i = v} dY_i (0 for padding_idx)',
});

/** Scatter-add of embedding gradients into a [num_weights, D] table. */
export function scatterAddRows(
  ids: Storage,
  grad: Storage,
  rows: number,
  D: number,
  skip: number | null,
  dtype: DType,
): FloatStorage {
  const table = allocFloat(dtype, rows * D);
  for (let i = 0; i < ids.length; i++) {
    const row = ids[i];
    if (row === skip) continue;
    for (let d = 0; d < D; d++) table[row * D + d] += grad[i * D + d];
  }
  return table;
}
