import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { formatDims } from '../shapes.ts';
import { type EvaluatorNodeDef, metricPort, metricRuntime } from './metric.ts';

/** exp of the mean cross-entropy of next-token logits: the effective number of choices per token. */
const node = declareNode({
  type: 'Perplexity',
  group: 'evaluators',
  aliases: ['ppl', 'language model metric', 'metric'],
  doc: 'exp of the mean cross-entropy per token: 1 is a perfect model, the vocabulary size is uniform guessing. Batches combine by averaging the log.',
  formula: 'PPL = exp(−(1/N)·Σ_n log softmax(x_n)[y_n])',
  params: {},
  inputs: [
    tensorPort('input', { doc: 'logits [N, V] or [N, T, V]' }),
    tensorPort('target', { dtype: 'int32', doc: 'token ids [N] or [N, T]' }),
  ],
  outputs: [metricPort('perplexity', '≥ 1')],
  infer([x, y], _params, ctx) {
    if (!x || !y)
      return fail('missing_input', 'Perplexity needs logits and targets', { port: x ? 'target' : 'input' });
    if (x.dims.length < 2 || x.dims.length > 3)
      return fail('rank', `Perplexity expects logits [N, V] or [N, T, V], got ${formatDims(x.dims)}`, {
        port: 'input',
      });
    const rows = x.dims.slice(0, -1);
    if (y.dims.length !== rows.length || !rows.every((d, i) => ctx.unify(d, y.dims[i]))) {
      return fail(
        'target_shape',
        `Expected targets of shape ${formatDims(rows)}, got ${formatDims(y.dims)}`,
        { port: 'target' },
      );
    }
    return [{ dtype: 'float32', dims: [] }];
  },
  lower(b, [x, y], _params, shapes) {
    const input = shapes.inputs[0] ?? [];
    const vocab = input[input.length - 1];
    const tokens = input.slice(0, -1).reduce((a, n) => a * n, 1);
    const [logits] = b.op('reshape', [x], { shape: [tokens, vocab] });
    const [ids] = b.op('reshape', [y], { shape: [tokens] });
    return b.op('exp', b.op('cross_entropy', [logits, ids], { reduction: 'mean' }));
  },
  paramCount: () => 0,
  flops: ([x]) => (x ? 3 * numel(x.dims) : 0),
});

export const Perplexity: EvaluatorNodeDef = { ...node, metric: metricRuntime('geometric') };
