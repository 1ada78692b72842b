import { type AnyNodeDef, tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { type ParamSchema, p } from '../params.ts';

/** An elementwise activation: same shape out, one engine op with the params as its attrs. */
function activation<S extends ParamSchema>(
  type: string,
  op: string,
  o: { aliases: string[]; doc: string; formula: string; params: S; cost?: number },
): AnyNodeDef {
  return declareNode({
    type,
    group: 'activations',
    aliases: [...o.aliases, `nn.${type}`],
    doc: o.doc,
    formula: o.formula,
    params: o.params,
    inputs: [tensorPort('input')],
    outputs: [tensorPort('output')],
    infer: ([x]) =>
      x
        ? [{ dtype: 'float32', dims: [...x.dims] }]
        : fail('missing_input', `${type} needs an input`, { port: 'input' }),
    lower: (b, [x], params) => b.op(op, [x], params as Record<string, unknown>),
    paramCount: () => 0,
    flops: ([x]) => (x ? (o.cost ?? 1) * numel(x.dims) : 0),
  });
}

export const LeakyReLU = activation('LeakyReLU', 'leaky_relu', {
  aliases: ['leaky relu', 'lrelu'],
  doc: 'Like ReLU, but negative values are scaled by negative_slope instead of zeroed, so they keep a small gradient.',
  formula: 'y = x if x > 0 else negative_slope·x',
  params: { negative_slope: p.float({ default: 0.01 }) },
});

export const ELU = activation('ELU', 'elu', {
  aliases: ['elu', 'exponential linear unit'],
  doc: 'Identity for positive values, a smooth exponential saturating at −α for negative ones.',
  formula: 'y = x if x > 0 else α·(eˣ − 1)',
  params: { alpha: p.float({ default: 1 }) },
  cost: 4,
});

export const GELU = activation('GELU', 'gelu', {
  aliases: ['gelu', 'gaussian error linear unit'],
  doc: 'Weights each value by the probability that a standard normal is below it (Transformers); the tanh form is a fast approximation.',
  formula: "y = x·Φ(x);  'tanh': y = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))",
  params: { approximate: p.enum(['none', 'tanh'], { default: 'none' }) },
  cost: 8,
});

export const SiLU = activation('SiLU', 'silu', {
  aliases: ['silu', 'swish'],
  doc: 'The input times its sigmoid: smooth, non-monotonic, close to ReLU for large inputs.',
  formula: 'y = x·σ(x)',
  params: {},
  cost: 5,
});

export const Sigmoid = activation('Sigmoid', 'sigmoid', {
  aliases: ['sigmoid', 'logistic'],
  doc: 'Squashes each value into (0, 1).',
  formula: 'y = 1/(1 + e⁻ˣ)',
  params: {},
  cost: 4,
});

export const Tanh = activation('Tanh', 'tanh', {
  aliases: ['tanh', 'hyperbolic tangent'],
  doc: 'Squashes each value into (−1, 1), centred on zero.',
  formula: 'y = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)',
  params: {},
  cost: 5,
});
