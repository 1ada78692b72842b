import { tensorPort } from '../define.ts';
import { declareNode, fail, rangeIssue } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';
import { type EvaluatorNodeDef, metricPort, metricRuntime, oneHot } from './metric.ts';

/** Top-k accuracy of class scores [..., C] against class indices [...]. */
const node = declareNode({
  type: 'Accuracy',
  group: 'evaluators',
  aliases: ['top-1', 'top-k accuracy', 'classification accuracy', 'metric'],
  doc: 'The fraction of samples whose target class is among the top_k scores (top-1: the arg-max is right). Ties count in the sample’s favour.',
  formula: 'acc = (1/N)·Σ_n [ #{c : x[n,c] > x[n,y_n]} < k ]',
  params: {
    top_k: p.int({ default: 1, min: 1, doc: 'k: count a hit when the target is among the k best scores' }),
  },
  inputs: [
    tensorPort('input', { doc: 'scores or logits [..., C]' }),
    tensorPort('target', { dtype: 'int32', doc: 'class indices [...]' }),
  ],
  outputs: [metricPort('accuracy', 'a number in [0, 1]')],
  infer([x, y], params, ctx) {
    if (!x || !y)
      return fail('missing_input', 'Accuracy needs scores and targets', { port: x ? 'target' : 'input' });
    if (x.dims.length === 0)
      return fail('rank', 'Accuracy needs scores with a class dim, got a 0-d scalar', { port: 'input' });
    const rows = x.dims.slice(0, -1);
    if (y.dims.length !== rows.length || !rows.every((d, i) => ctx.unify(d, y.dims[i]))) {
      return fail(
        'target_shape',
        `Expected targets of shape ${formatDims(rows)} for scores ${formatDims(x.dims)}, got ${formatDims(y.dims)}`,
        { port: 'target' },
      );
    }
    const classes = x.dims[x.dims.length - 1];
    if (typeof classes === 'number' && params.top_k > classes)
      return rangeIssue('Accuracy', 'top_k', `at most the number of classes ${classes}`, params.top_k);
    return [{ dtype: 'float32', dims: [] }];
  },
  lower(b, [x, y], params, shapes) {
    const input = shapes.inputs[0] ?? [];
    const target = oneHot(b, y, input[input.length - 1]);
    const [picked] = b.op('sum', b.op('mul', [x, target]), { dim: -1, keepdim: true });
    // how many classes score strictly higher than the target's
    const [rank] = b.op('sum', b.op('positive_mask', b.op('sub', [x, picked])), { dim: -1 });
    const [hits] = b.op('positive_mask', b.op('sub', [b.constant([params.top_k - 0.5], []), rank]));
    return b.op('mean', [hits]);
  },
  paramCount: () => 0,
  flops: ([x]) => (x ? 4 * numel(x.dims) : 0),
});

export const Accuracy: EvaluatorNodeDef = { ...node, metric: metricRuntime('mean') };
