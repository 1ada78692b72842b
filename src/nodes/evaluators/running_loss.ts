import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { type EvaluatorNodeDef, metricPort, metricRuntime } from './metric.ts';

/** A loss curve's smoothed value: an exponential moving average over steps. */
const node = declareNode({
  type: 'RunningLoss',
  group: 'evaluators',
  aliases: ['loss curve', 'moving average', 'smoothed loss', 'metric'],
  doc: 'The mean of its input each step (a loss, or per-sample losses), smoothed over steps by an exponential moving average.',
  formula: 'ℓ̄_t = β·ℓ̄_{t−1} + (1 − β)·mean(ℓ_t)',
  params: {
    smoothing: p.float({
      default: 0.9,
      min: 0,
      max: 1,
      doc: 'β: 0 shows each step’s value, near 1 a long average',
    }),
  },
  inputs: [tensorPort('input', { doc: 'a loss (any shape; its mean is taken)' })],
  outputs: [metricPort('loss', 'the smoothed loss')],
  infer: ([x]) =>
    x
      ? [{ dtype: 'float32', dims: [] }]
      : fail('missing_input', 'RunningLoss needs a loss', { port: 'input' }),
  lower: (b, [x]) => b.op('mean', [x]),
  paramCount: () => 0,
  flops: ([x]) => (x ? numel(x.dims) : 0),
});

export const RunningLoss: EvaluatorNodeDef = { ...node, metric: metricRuntime('ema') };
