import { GELU, Sigmoid, Tanh } from '../activations/pointwise.ts';
import { ReLU } from '../activations/relu.ts';
import { tensorPort } from '../define.ts';
import { Dropout } from '../layers/dropout.ts';
import { Identity } from '../layers/identity.ts';
import { Linear } from '../layers/linear.ts';
import { p } from '../params.ts';
import { defineComposite, SubgraphBuilder } from './composite.ts';

export const ACTIVATIONS = { relu: ReLU, gelu: GELU, tanh: Tanh, sigmoid: Sigmoid };

/** Linear → activation → Dropout: the repeated unit of a multilayer perceptron. */
export const MLPBlock = defineComposite({
  type: 'MLPBlock',
  aliases: ['mlp', 'dense block', 'fully connected block', 'feed-forward'],
  doc: 'A hidden layer of a multilayer perceptron: Linear, then a nonlinearity, then dropout (none at p = 0).',
  formula: 'y = dropout(act(x·Wᵀ + b))',
  params: {
    in_features: p.int({ default: 784, min: 1 }),
    out_features: p.int({ default: 256, min: 1 }),
    activation: p.enum(['relu', 'gelu', 'tanh', 'sigmoid'], { default: 'relu' }),
    dropout: p.float({ default: 0, min: 0, max: 1 }),
  },
  inputs: [tensorPort('input', { doc: '[..., in_features]' })],
  outputs: [tensorPort('output', { doc: '[..., out_features]' })],
  build(q) {
    const g = new SubgraphBuilder();
    const x = g.input('input', Identity);
    const fc = g.add(
      'linear',
      Linear,
      { in_features: q.in_features, out_features: q.out_features },
      { input: x },
    );
    const act = g.add('activation', ACTIVATIONS[q.activation], {}, { input: fc });
    g.output('output', q.dropout > 0 ? g.add('dropout', Dropout, { p: q.dropout }, { input: act }) : act);
    return g;
  },
});
