import { tensorPort } from '../define.ts';
import { declareNode, fail, rangeIssue } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { initParam, initStdParam, weightInit } from '../kit/init.ts';
import { p } from '../params.ts';

/** nn.Embedding: a learned vector per token id. */
export const Embedding = declareNode({
  type: 'Embedding',
  group: 'layers',
  aliases: ['embedding', 'lookup table', 'token embedding', 'nn.Embedding'],
  doc: 'Looks up a learned embedding_dim vector for each integer id in [0, num_embeddings); the row at padding_idx gets no gradient.',
  formula: 'y[…, :] = W[x[…], :]',
  params: {
    num_embeddings: p.int({ default: 1000, min: 1, doc: 'vocabulary size' }),
    embedding_dim: p.int({ default: 64, min: 1 }),
    padding_idx: p.int({ default: null, nullable: true, doc: 'this id’s row gets no gradient' }),
    init: initParam(),
    init_std: initStdParam(),
  },
  inputs: [tensorPort('input', { dtype: 'int32', doc: 'token ids, any shape' })],
  outputs: [tensorPort('output', { doc: '[*, embedding_dim]' })],
  infer([x], params) {
    if (!x) return fail('missing_input', 'Embedding needs token ids', { port: 'input' });
    const { padding_idx: pad, num_embeddings: v } = params;
    if (pad !== null && (pad >= v || pad < -v)) {
      return rangeIssue(
        'Embedding',
        'padding_idx',
        `in [${-v}, ${v - 1}] (within num_embeddings)`,
        pad,
        'Padding_idx must be within num_embeddings',
      );
    }
    return [{ dtype: 'float32', dims: [...x.dims, params.embedding_dim] }];
  },
  lower(b, [x], params) {
    const shape = [params.num_embeddings, params.embedding_dim];
    // PyTorch draws the table from N(0, 1)
    const weight = b.param(
      'weight',
      shape,
      weightInit(params.init, shape, params.init_std, { kind: 'normal', std: 1 }),
    );
    const pad = params.padding_idx;
    return b.op('embedding', [x, weight], {
      padding_idx: pad === null || pad >= 0 ? pad : pad + params.num_embeddings,
    });
  },
  paramCount: (_inputs, params) => params.num_embeddings * params.embedding_dim,
  flops: ([x], params) => (x ? numel(x.dims) * params.embedding_dim : 0),
});
