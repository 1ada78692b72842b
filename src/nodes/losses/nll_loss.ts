import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { lossOutput, needBoth, reductionParam } from '../kit/loss.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';

/** nn.NLLLoss on log-probabilities [N, C] (or [N, C, d…]) and class indices. */
export const NLLLoss = declareNode({
  type: 'NLLLoss',
  group: 'losses',
  aliases: ['nll', 'negative log likelihood', 'nn.NLLLoss'],
  doc: 'Minus the log-probability of the target class (after LogSoftmax); weight rescales each class, ignore_index skips a target value.',
  formula: 'ℓ_n = −w[y_n]·x[n, y_n];  mean: Σ ℓ_n / Σ w[y_n]',
  params: {
    reduction: reductionParam(),
    ignore_index: p.int({
      default: -100,
      doc: 'targets with this value add nothing and are left out of the mean',
    }),
  },
  inputs: [
    tensorPort('input', { doc: 'log-probabilities [N, C]' }),
    tensorPort('target', { dtype: 'int32', doc: 'class indices [N]' }),
    tensorPort('weight', { optional: true, doc: 'per-class weights [C]' }),
  ],
  outputs: [tensorPort('output')],
  infer([x, y, w], params, ctx) {
    const missing = needBoth('NLLLoss', x, y);
    if (missing.length || !x || !y) return missing;
    if (x.dims.length === 0)
      return fail('rank', 'NLLLoss needs log-probabilities with a class dim, got a 0-d scalar', {
        port: 'input',
      });
    const expected = x.dims.length === 1 ? [] : [x.dims[0], ...x.dims.slice(2)];
    if (y.dims.length !== expected.length || !expected.every((d, i) => ctx.unify(d, y.dims[i]))) {
      if (x.dims.length >= 2 && y.dims.length >= 1 && !ctx.unify(x.dims[0], y.dims[0])) {
        return fail(
          'batch_size',
          `Expected input batch_size (${x.dims[0]}) to match target batch_size (${y.dims[0]}).`,
          { port: 'target' },
        );
      }
      return fail(
        'target_shape',
        `Expected target of size ${formatDims(expected)} for input of size ${formatDims(x.dims)}, got ${formatDims(y.dims)}`,
        { port: 'target' },
      );
    }
    const classes = x.dims.length === 1 ? x.dims[0] : x.dims[1];
    if (w && (w.dims.length !== 1 || !ctx.unify(w.dims[0], classes))) {
      return fail(
        'weight',
        `weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${formatDims(w.dims)}`,
        { port: 'weight' },
      );
    }
    return lossOutput(params.reduction, expected);
  },
  lower: (b, [x, y, w], params) =>
    b.op('nll_loss', [x, y, w], { reduction: params.reduction, ignore_index: params.ignore_index }),
  paramCount: () => 0,
  flops: ([x]) => (x ? numel(x.dims.slice(0, 1)) : 0),
});
