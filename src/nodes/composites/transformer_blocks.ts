import { tensorPort } from '../define.ts';
import { rangeIssue } from '../kit/checks.ts';
import { Dropout } from '../layers/dropout.ts';
import { Identity } from '../layers/identity.ts';
import { LayerNorm } from '../layers/layer_norm.ts';
import { Linear } from '../layers/linear.ts';
import { MultiHeadAttention } from '../layers/multi_head_attention.ts';
import { Add } from '../math/elementwise.ts';
import { p } from '../params.ts';
import { defineComposite, type Ref, SubgraphBuilder } from './composite.ts';
import { ACTIVATIONS } from './mlp_block.ts';

/** nn.TransformerEncoderLayer / DecoderLayer's params (batch_first layout only differs in the attention). */
const blockParams = () => ({
  d_model: p.int({ default: 32, min: 1 }),
  nhead: p.int({ default: 4, min: 1, doc: 'attention heads; must divide d_model' }),
  dim_feedforward: p.int({ default: 2048, min: 1 }),
  dropout: p.float({ default: 0.1, min: 0, max: 1 }),
  activation: p.enum(['relu', 'gelu'], { default: 'relu' }),
  layer_norm_eps: p.float({ default: 1e-5, min: 0, exclusiveMin: true }),
  batch_first: p.bool({ default: false, doc: 'tensors as [B, L, d_model] instead of [L, B, d_model]' }),
  norm_first: p.bool({
    default: false,
    doc: 'pre-norm (norm inside each residual branch) instead of post-norm',
  }),
});

type BlockParams = {
  d_model: number;
  nhead: number;
  dim_feedforward: number;
  dropout: number;
  activation: 'relu' | 'gelu';
  layer_norm_eps: number;
  batch_first: boolean;
  norm_first: boolean;
};

const headsIssue = (q: BlockParams) =>
  q.d_model % q.nhead === 0
    ? []
    : rangeIssue(
        'Transformer block',
        'nhead',
        `a divisor of d_model=${q.d_model}`,
        q.nhead,
        'embed_dim must be divisible by num_heads',
      );

/**
 * One residual sub-layer: post-norm x = norm(x + drop(f(x))), pre-norm x = x + drop(f(norm(x))).
 * `f` receives the tensor to transform and returns its output.
 */
function residual(g: SubgraphBuilder, q: BlockParams, x: Ref, i: number, f: (input: Ref) => Ref): Ref {
  const norm = (input: Ref) =>
    g.add(`norm${i}`, LayerNorm, { normalized_shape: [q.d_model], eps: q.layer_norm_eps }, { input });
  const branch = (input: Ref) => g.add(`dropout${i}`, Dropout, { p: q.dropout }, { input: f(input) });
  if (q.norm_first) return g.add(`add${i}`, Add, {}, { a: x, b: branch(norm(x)) });
  return norm(g.add(`add${i}`, Add, {}, { a: x, b: branch(x) }));
}

function feedForward(g: SubgraphBuilder, q: BlockParams, input: Ref): Ref {
  const up = g.add('linear1', Linear, { in_features: q.d_model, out_features: q.dim_feedforward }, { input });
  const act = g.add('activation', ACTIVATIONS[q.activation], {}, { input: up });
  const drop = g.add('dropout', Dropout, { p: q.dropout }, { input: act });
  return g.add(
    'linear2',
    Linear,
    { in_features: q.dim_feedforward, out_features: q.d_model },
    { input: drop },
  );
}

const attention = (q: BlockParams, mask: 'none' | 'causal') => ({
  embed_dim: q.d_model,
  num_heads: q.nhead,
  batch_first: q.batch_first,
  mask,
});

/** nn.TransformerEncoderLayer: self-attention and a feed-forward network, each a residual sub-layer. */
export const TransformerEncoderBlock = defineComposite({
  type: 'TransformerEncoderBlock',
  aliases: ['transformer encoder', 'encoder layer', 'nn.TransformerEncoderLayer'],
  doc: 'Multi-head self-attention, then a two-layer feed-forward network, each wrapped in a residual connection with layer norm — after the addition (post-norm, the original Transformer) or inside the branch (pre-norm).',
  formula: 'post: x = LN(x + SA(x)); x = LN(x + FFN(x))   pre: x = x + SA(LN(x)); x = x + FFN(LN(x))',
  params: blockParams(),
  inputs: [tensorPort('input', { doc: '[L, B, d_model] ([B, L, d_model] when batch_first)' })],
  outputs: [tensorPort('output')],
  check: (q) => headsIssue(q as BlockParams),
  build(params) {
    const q = params as BlockParams;
    const g = new SubgraphBuilder();
    const x = g.input('input', Identity);
    const attended = residual(g, q, x, 1, (input) =>
      g.add('self_attn', MultiHeadAttention, attention(q, 'none'), { query: input }),
    );
    g.output(
      'output',
      residual(g, q, attended, 2, (input) => feedForward(g, q, input)),
    );
    return g;
  },
});

/** nn.TransformerDecoderLayer: causal self-attention, attention over the encoder's memory, feed-forward. */
export const TransformerDecoderBlock = defineComposite({
  type: 'TransformerDecoderBlock',
  aliases: ['transformer decoder', 'decoder layer', 'nn.TransformerDecoderLayer'],
  doc: 'Causal multi-head self-attention over the target, multi-head attention from the target to the encoder’s memory, then a feed-forward network; each a residual sub-layer with layer norm (post- or pre-norm).',
  formula: 'x = LN(x + SA_causal(x)); x = LN(x + MHA(x, memory, memory)); x = LN(x + FFN(x))  (post-norm)',
  params: blockParams(),
  inputs: [
    tensorPort('input', { doc: 'the target sequence [L, B, d_model]' }),
    tensorPort('memory', { doc: 'the encoder output [S, B, d_model]' }),
  ],
  outputs: [tensorPort('output')],
  check: (q) => headsIssue(q as BlockParams),
  build(params) {
    const q = params as BlockParams;
    const g = new SubgraphBuilder();
    const x = g.input('input', Identity);
    const memory = g.input('memory', Identity);
    const own = residual(g, q, x, 1, (input) =>
      g.add('self_attn', MultiHeadAttention, attention(q, 'causal'), { query: input }),
    );
    const cross = residual(g, q, own, 2, (input) =>
      g.add('multihead_attn', MultiHeadAttention, attention(q, 'none'), {
        query: input,
        key: memory,
        value: memory,
      }),
    );
    g.output(
      'output',
      residual(g, q, cross, 3, (input) => feedForward(g, q, input)),
    );
    return g;
  },
});
