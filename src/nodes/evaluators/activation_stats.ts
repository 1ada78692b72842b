import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { type EvaluatorNodeDef, metricPort, metricRuntime } from './metric.ts';

/** Mean, standard deviation and fraction of exact zeros of whatever flows on an edge. */
const node = declareNode({
  type: 'ActivationStats',
  group: 'evaluators',
  aliases: ['activation statistics', 'dead relu', 'histogram', 'metric'],
  doc: 'Mean, standard deviation (unbiased, as torch.std) and fraction of exact zeros of the probed tensor: dead ReLUs show as a zero fraction near 1, saturation as a collapsing std.',
  formula: 'μ = mean(x),  σ = √(Σ(x − μ)²/(n − 1)),  zeros = #{x = 0}/n',
  params: {},
  inputs: [tensorPort('input', { doc: 'any tensor' })],
  outputs: [metricPort('mean', 'μ'), metricPort('std', 'σ'), metricPort('zero_fraction', 'in [0, 1]')],
  infer([x]) {
    if (!x) return fail('missing_input', 'ActivationStats needs an edge to probe', { port: 'input' });
    return [
      { dtype: 'float32', dims: [] },
      { dtype: 'float32', dims: [] },
      { dtype: 'float32', dims: [] },
    ];
  },
  lower(b, [x], _params, shapes) {
    const n = (shapes.inputs[0] ?? []).reduce((a, d) => a * d, 1);
    const [mean] = b.op('mean', [x]);
    const [centred] = b.op('sub', [x, mean]);
    const [squares] = b.op('sum', b.op('mul', [centred, centred]));
    const [std] = b.op('sqrt', b.op('div', [squares, b.constant([Math.max(1, n - 1)], [])]));
    const [zeros] = b.op('mean', b.op('equal_mask', [x, b.constant([0], [])]));
    return [mean, std, zeros];
  },
  paramCount: () => 0,
  flops: ([x]) => (x ? 4 * numel(x.dims) : 0),
});

export const ActivationStats: EvaluatorNodeDef = { ...node, metric: metricRuntime('mean') };
