import { DTypeError, ShapeError } from '../errors.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { checkIndex, paddingRow, scatterAddRows } from './embedding.ts';

export interface EmbeddingBackwardAttrs {
  num_weights: number;
  padding_idx: number | null;
}

/**
 * The gradient of embedding for its table: a scatter-add of dY's rows into [num_weights, D]
 * (repeated indices add up; the padding row stays zero). Used by embedding's vjp.
 */
export const embedding_backward: OpDef<EmbeddingBackwardAttrs> = defineOp<EmbeddingBackwardAttrs>({
  name: 'embedding_backward',
  kind: 'backward',
  inputs: [{ name: 'indices', noGrad: true }, { name: 'grad' }],
  defaults: { padding_idx: null },
  shape([indices, grad], { num_weights, padding_idx }) {
    if (indices!.dtype !== 'int32')
      return new DTypeError('embedding_backward', `expected int32 indices, got ${indices!.dtype}`, 0);
    const lead = grad!.shape.slice(0, -1);
    if (grad!.shape.length !== indices!.shape.length + 1 || lead.some((d, i) => d !== indices!.shape[i])) {
      return new ShapeError(
        'embedding_backward',
        `embedding_backward: grad [${grad!.shape}] does not match indices [${indices!.shape}] + [D]`,
      );
    }
    const row = paddingRow('embedding_backward', padding_idx, num_weights);
    if (row instanceof Error) return row;
    return out([num_weights, grad!.shape[grad!.shape.length - 1]], grad!.dtype);
  },
  forward: {
    cpu([indices, grad], { num_weights, padding_idx }, [o]) {
      const ids = indices!.data;
      for (let i = 0; i < ids.length; i++) checkIndex('embedding_backward', ids[i], num_weights);
      const skip = paddingRow('embedding_backward', padding_idx, num_weights) as number | null;
      return [scatterAddRows(ids, grad!.data, num_weights, o.shape[1], skip, o.dtype)];
    },
  },
  formula: 'scatter-add: W[idx_i] += dY_i',
});
