import { tensorPort } from '../define.ts';
import { declareNode, fail, isIssues } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { lossOutput, needBoth, pairShape, reductionParam } from '../kit/loss.ts';
import { broadcastDims, formatDims } from '../shapes.ts';

/** nn.BCELoss on probabilities. */
export const BCELoss = declareNode({
  type: 'BCELoss',
  group: 'losses',
  aliases: ['bce', 'binary cross entropy', 'log loss', 'nn.BCELoss'],
  doc: 'Binary cross-entropy between probabilities (after Sigmoid) and 0/1 targets; prefer BCEWithLogitsLoss for stability.',
  formula: 'ℓ = −w·(y·log x + (1 − y)·log(1 − x))',
  params: { reduction: reductionParam() },
  inputs: [
    tensorPort('input', { doc: 'probabilities in [0, 1]' }),
    tensorPort('target', { doc: 'the same shape, values in [0, 1]' }),
    tensorPort('weight', { optional: true, doc: 'rescales each element; broadcasts to the input' }),
  ],
  outputs: [tensorPort('output')],
  infer([x, y, w], params, ctx) {
    const missing = needBoth('BCELoss', x, y);
    if (missing.length || !x || !y) return missing;
    if (x.dims.length !== y.dims.length || !x.dims.every((d, i) => ctx.unify(d, y.dims[i]))) {
      return fail(
        'target_shape',
        `Using a target size (torch.Size(${formatDims(y.dims)})) that is different to the input size (torch.Size(${formatDims(x.dims)})) is deprecated. Please ensure they have the same size.`,
        { port: 'target' },
      );
    }
    if (w) {
      const fits = broadcastDims(x.dims, w.dims, ctx);
      if (!Array.isArray(fits)) return [{ ...fits, port: 'weight' }];
    }
    return lossOutput(params.reduction, [...x.dims]);
  },
  lower: (b, [x, y, w], params) => b.op('binary_cross_entropy', [x, y, w], { reduction: params.reduction }),
  paramCount: () => 0,
  flops: ([x]) => (x ? 4 * numel(x.dims) : 0),
});

/** nn.BCEWithLogitsLoss: sigmoid and BCE in one, computed stably. */
export const BCEWithLogitsLoss = declareNode({
  type: 'BCEWithLogitsLoss',
  group: 'losses',
  aliases: ['bce with logits', 'sigmoid cross entropy', 'nn.BCEWithLogitsLoss'],
  doc: 'Binary cross-entropy on logits: sigmoid and log combined stably (log-sum-exp). pos_weight scales the positive term per class.',
  formula: 'ℓ = −w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x)))',
  params: { reduction: reductionParam() },
  inputs: [
    tensorPort('input', { doc: 'logits' }),
    tensorPort('target', { doc: 'the same shape, values in [0, 1]' }),
    tensorPort('weight', { optional: true, doc: 'rescales each element; broadcasts to the input' }),
    tensorPort('pos_weight', { optional: true, doc: 'weight of positives per class [C] (the last dim)' }),
  ],
  outputs: [tensorPort('output')],
  infer([x, y, w, pw], params, ctx) {
    const missing = needBoth('BCEWithLogitsLoss', x, y);
    if (missing.length || !x || !y) return missing;
    if (x.dims.length !== y.dims.length || !x.dims.every((d, i) => ctx.unify(d, y.dims[i]))) {
      return fail(
        'target_shape',
        `Target size (torch.Size(${formatDims(y.dims)})) must be the same as input size (torch.Size(${formatDims(x.dims)}))`,
        { port: 'target' },
      );
    }
    for (const [port, t] of [
      ['weight', w],
      ['pos_weight', pw],
    ] as const) {
      if (!t) continue;
      const fits = pairShape(x, t, { ...ctx, warn: () => {} });
      if (isIssues(fits)) return [{ ...fits[0], port }];
    }
    return lossOutput(params.reduction, [...x.dims]);
  },
  lower: (b, [x, y, w, pw], params) =>
    b.op('binary_cross_entropy_with_logits', [x, y, w, pw], { reduction: params.reduction }),
  paramCount: () => 0,
  flops: ([x]) => (x ? 6 * numel(x.dims) : 0),
});
