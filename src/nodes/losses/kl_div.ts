import { tensorPort } from '../define.ts';
import { declareNode, isIssues } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { lossOutput, needBoth, pairShape } from '../kit/loss.ts';
import { p } from '../params.ts';

/** nn.KLDivLoss: input is log-probabilities; target probabilities (or log-probabilities with log_target). */
export const KLDivLoss = declareNode({
  type: 'KLDivLoss',
  group: 'losses',
  aliases: ['kl divergence', 'kullback-leibler', 'kl', 'nn.KLDivLoss'],
  doc: "Kullback–Leibler divergence of the input distribution (given as log-probabilities) from the target's. 'batchmean' divides by the batch size: the true KL per sample.",
  formula: 'ℓ = y·(log y − x)  (log_target: eʸ·(y − x));  batchmean: Σ ℓ / N',
  params: {
    reduction: p.enum(['mean', 'batchmean', 'sum', 'none'], {
      default: 'mean',
      doc: "'batchmean' is the mathematical KL; 'mean' divides by every element",
    }),
    log_target: p.bool({ default: false }),
  },
  inputs: [
    tensorPort('input', { doc: 'log-probabilities' }),
    tensorPort('target', { doc: 'probabilities (log-probabilities with log_target)' }),
  ],
  outputs: [tensorPort('output')],
  infer([x, y], params, ctx) {
    const missing = needBoth('KLDivLoss', x, y);
    if (missing.length || !x || !y) return missing;
    const dims = pairShape(x, y, ctx);
    if (isIssues(dims)) return dims;
    if (params.reduction === 'mean') {
      ctx.warn({
        severity: 'warning',
        code: 'kl_mean',
        message:
          "reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to behave the same as 'batchmean' in the next major release.",
        fixes: [
          {
            label: "Use reduction 'batchmean'",
            intents: [{ kind: 'setParam', param: 'reduction', value: 'batchmean' }],
          },
        ],
      });
    }
    return lossOutput(params.reduction, dims);
  },
  lower: (b, [x, y], params) =>
    b.op('kl_div', [x, y], { reduction: params.reduction, log_target: params.log_target }),
  paramCount: () => 0,
  flops: ([x]) => (x ? 3 * numel(x.dims) : 0),
});
