import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';
import { type EvaluatorNodeDef, metricPort, metricRuntime, oneHot } from './metric.ts';

/** Counts of (true class, predicted class) pairs, the prediction being the arg-max score. */
const node = declareNode({
  type: 'ConfusionMatrix',
  group: 'evaluators',
  aliases: ['confusion matrix', 'contingency table', 'metric'],
  doc: 'Counts, for each true class (row) and predicted class (column, the arg-max score), how many samples fell there; summed over batches.',
  formula: 'M[i, j] = #{n : y_n = i, argmax_c x[n,c] = j}',
  params: { num_classes: p.int({ default: 10, min: 2 }) },
  inputs: [
    tensorPort('input', { doc: 'scores or logits [N, C]' }),
    tensorPort('target', { dtype: 'int32', doc: 'class indices [N]' }),
  ],
  outputs: [metricPort('matrix', '[C, C]: rows are true classes, columns predictions')],
  infer([x, y], params, ctx) {
    if (!x || !y)
      return fail('missing_input', 'ConfusionMatrix needs scores and targets', {
        port: x ? 'target' : 'input',
      });
    if (x.dims.length !== 2)
      return fail('rank', `ConfusionMatrix expects scores [N, C], got ${formatDims(x.dims)}`, {
        port: 'input',
      });
    if (!ctx.unify(x.dims[1], params.num_classes)) {
      return fail(
        'num_classes',
        `ConfusionMatrix(num_classes=${params.num_classes}) got scores for ${x.dims[1]} classes`,
        {
          port: 'input',
          fixes: [
            {
              label: `Set num_classes to ${x.dims[1]}`,
              intents: [{ kind: 'setParam', param: 'num_classes', value: x.dims[1] }],
            },
          ],
        },
      );
    }
    if (y.dims.length !== 1 || !ctx.unify(y.dims[0], x.dims[0])) {
      return fail('target_shape', `Expected targets of shape [${x.dims[0]}], got ${formatDims(y.dims)}`, {
        port: 'target',
      });
    }
    return [{ dtype: 'float32', dims: [params.num_classes, params.num_classes] }];
  },
  lower(b, [x, y], params) {
    const truth = oneHot(b, y, params.num_classes);
    // 1 at the best score of each row (a tie marks every best class)
    const [predicted] = b.op('equal_mask', [x, b.op('max', [x], { dim: -1, keepdim: true })[0]]);
    return b.op('matmul', [b.op('transpose', [truth], { dim0: 0, dim1: 1 })[0], predicted]);
  },
  paramCount: () => 0,
  flops: ([x], params) => (x ? numel(x.dims) * params.num_classes : 0),
});

export const ConfusionMatrix: EvaluatorNodeDef = { ...node, metric: metricRuntime('sum') };
