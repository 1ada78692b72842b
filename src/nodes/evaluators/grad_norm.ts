import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { type EvaluatorNodeDef, metricPort, metricRuntime } from './metric.ts';

/** The p-norm of the gradient arriving at an edge (the runtime feeds it the edge's gradient, not its value). */
const node = declareNode({
  type: 'GradNorm',
  group: 'evaluators',
  aliases: ['gradient norm', 'vanishing gradients', 'exploding gradients', 'metric'],
  doc: 'The norm of d loss / d (the probed tensor) after each backward pass: watch for vanishing (→ 0) or exploding gradients.',
  formula: '‖∂ℓ/∂x‖_p = (Σ |∂ℓ/∂x_i|^p)^{1/p}',
  params: { norm_type: p.float({ default: 2, min: 0, exclusiveMin: true, doc: 'p of the p-norm' }) },
  inputs: [tensorPort('input', { doc: 'any tensor; its gradient is measured' })],
  outputs: [metricPort('norm', '≥ 0')],
  infer: ([x]) =>
    x
      ? [{ dtype: 'float32', dims: [] }]
      : fail('missing_input', 'GradNorm needs an edge to probe', { port: 'input' }),
  lower(b, [g], params) {
    const q = params.norm_type;
    const [powered] = q === 2 ? b.op('mul', [g, g]) : b.op('pow', b.op('abs', [g]), { exponent: q });
    return b.op('pow', b.op('sum', [powered]), { exponent: 1 / q });
  },
  paramCount: () => 0,
  flops: ([x]) => (x ? 2 * numel(x.dims) : 0),
});

export const GradNorm: EvaluatorNodeDef = { ...node, metric: metricRuntime('mean', 'gradient') };
