import { type AnyNodeDef, tensorPort } from '../define.ts';
import { declareNode, isIssues } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { lossOutput, needBoth, pairShape, reductionParam } from '../kit/loss.ts';
import { type ParamSchema, p } from '../params.ts';

/** A regression loss computed per element of input − target, then reduced. */
function regressionLoss<S extends ParamSchema>(
  type: string,
  op: string,
  o: { aliases: string[]; doc: string; formula: string; params: S },
): AnyNodeDef {
  return declareNode({
    type,
    group: 'losses',
    aliases: [...o.aliases, `nn.${type}`],
    doc: o.doc,
    formula: o.formula,
    params: { ...o.params, reduction: reductionParam() },
    inputs: [
      tensorPort('input', { doc: 'predictions' }),
      tensorPort('target', { doc: 'the same shape as input' }),
    ],
    outputs: [tensorPort('output')],
    infer([x, y], params, ctx) {
      const missing = needBoth(type, x, y);
      if (missing.length || !x || !y) return missing;
      const dims = pairShape(x, y, ctx);
      return isIssues(dims) ? dims : lossOutput(params.reduction as string, dims);
    },
    lower: (b, [x, y], params) => b.op(op, [x, y], params as Record<string, unknown>),
    paramCount: () => 0,
    flops: ([x]) => (x ? 3 * numel(x.dims) : 0),
  });
}

export const MSELoss = regressionLoss('MSELoss', 'mse_loss', {
  aliases: ['mse', 'squared error', 'l2 loss'],
  doc: 'The squared difference between input and target: the Gaussian negative log-likelihood up to constants.',
  formula: 'ℓ = (x − y)²,  mean over elements',
  params: {},
});

export const L1Loss = regressionLoss('L1Loss', 'l1_loss', {
  aliases: ['mae', 'absolute error', 'l1'],
  doc: 'The absolute difference between input and target: the Laplace negative log-likelihood up to constants, robust to outliers.',
  formula: 'ℓ = |x − y|',
  params: {},
});

export const HuberLoss = regressionLoss('HuberLoss', 'huber_loss', {
  aliases: ['huber', 'robust loss'],
  doc: 'Squared error for small differences, absolute error (slope δ) beyond δ: robust to outliers, smooth at zero.',
  formula: 'ℓ = ½d² if |d| < δ else δ(|d| − ½δ),  d = x − y',
  params: { delta: p.float({ default: 1, min: 0, exclusiveMin: true }) },
});

export const SmoothL1Loss = regressionLoss('SmoothL1Loss', 'smooth_l1_loss', {
  aliases: ['smooth l1', 'fast r-cnn loss'],
  doc: 'Huber loss divided by β: ½d²/β below β, |d| − ½β beyond; β = 0 is L1.',
  formula: 'ℓ = ½d²/β if |d| < β else |d| − ½β',
  params: { beta: p.float({ default: 1, min: 0 }) },
});
