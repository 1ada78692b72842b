/**
 * Model templates beyond the reference family: the first regressions, ResNeXt and RegNet
 * blocks, recurrent language models, a seq2seq encoder–decoder, and a small ViT for MNIST.
 */
import type { GraphDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { GraphBuilder, type Params, type Source } from '../build.ts';

const conv = (cin: number, cout: number, k: number, stride = 1, padding = 0, groups = 1): Params => ({
  in_channels: cin,
  out_channels: cout,
  kernel_size: [k, k],
  stride: [stride, stride],
  padding: [padding, padding],
  groups,
});
const linear = (fin: number, fout: number): Params => ({ in_features: fin, out_features: fout, bias: true });

export function linearRegression(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const data = g.node(
    'LinearRegressionData',
    { features: 2, noise: 'gaussian', noise_scale: 0.1, batch_size: 32 },
    { label: 'y = xw + b + noise', stem: 'data' },
  );
  const y = data.out('y');
  const pred = g.apply('Linear', data.out('x'), linear(2, 1), 'ŷ = xw + b');
  const loss = g.apply('MSELoss', { input: pred, target: y }, { reduction: 'mean' }, 'squared error');
  g.apply('SGD', { loss }, { lr: 0.03 }, 'minibatch SGD');
  return g.document({
    title: 'Linear regression',
    description:
      'D2L’s first model: two features, one Linear layer (w ∈ ℝ², b), mean squared error against the targets.',
    teaches:
      'The smallest trainable graph: 3 parameters, predictions [N, 1] against targets [N, 1] — keep both as columns, or the broadcasting trap turns the error into [N, N].',
    tags: ['model', 'regression', 'd2l', 'basics'],
    symbols: { N: 32 },
  });
}

export function softmaxRegression(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const mnist = g.node('MNIST', { batch_size: 64 }, { label: 'MNIST digits', stem: 'mnist' });
  const logits = g.chain(mnist.out('x'), [['Flatten'], ['Linear', linear(784, 10), 'logits']]);
  const labels = mnist.out('y');
  const loss = g.apply('CrossEntropyLoss', { input: logits, target: labels }, {}, 'loss');
  g.apply('SGD', { loss }, { lr: 0.1 }, 'minibatch SGD');
  return g.document({
    title: 'Softmax regression',
    description:
      'One Linear layer from 784 pixels to 10 logits with cross-entropy: multinomial logistic regression on MNIST-sized images.',
    teaches:
      'Cross-entropy takes logits, not probabilities: the softmax lives inside the loss (computed stably as log-softmax); 7,850 parameters.',
    tags: ['model', 'classification', 'd2l', 'basics', 'mnist'],
    symbols: { N: 64 },
  });
}

/** D2L's ResNeXt block: 1×1 → grouped 3×3 → 1×1, each with BatchNorm; a 1×1 shortcut when the shape changes. */
function resnextBlock(
  g: GraphBuilder,
  x: Source,
  at: string,
  cin: number,
  cout: number,
  groups: number,
  botMul: number,
  stride: number,
): Source {
  const bot = Math.round(cout * botMul);
  const y = g.chain(x, [
    ['Conv2d', conv(cin, bot, 1), `${at}.conv1`],
    ['BatchNorm2d', { num_features: bot }, `${at}.bn1`],
    ['ReLU'],
    ['Conv2d', conv(bot, bot, 3, stride, 1, bot / groups), `${at}.conv2 (grouped)`],
    ['BatchNorm2d', { num_features: bot }, `${at}.bn2`],
    ['ReLU'],
    ['Conv2d', conv(bot, cout, 1), `${at}.conv3`],
    ['BatchNorm2d', { num_features: cout }, `${at}.bn3`],
  ]);
  const shortcut =
    cin !== cout || stride !== 1
      ? g.chain(x, [
          ['Conv2d', conv(cin, cout, 1, stride), `${at}.conv4`],
          ['BatchNorm2d', { num_features: cout }, `${at}.bn4`],
        ])
      : x;
  return g.apply('ReLU', g.apply('Add', { a: y, b: shortcut }, {}, `${at} +`));
}

export function resnextBlockTemplate(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const x = g.node(
    'Input',
    { shape: ['N', 96, 'H', 'W'], dtype: 'float32' },
    { label: 'features', stem: 'features' },
  );
  resnextBlock(g, x, 'block', 96, 128, 16, 1, 2);
  return g.document({
    title: 'ResNeXt block',
    description:
      'D2L’s ResNeXt block: a 1×1 convolution, a grouped 3×3 convolution (groups of 16 channels), a 1×1 convolution, each with BatchNorm, plus a 1×1 shortcut because channels and size change.',
    teaches:
      'Grouped convolutions: a 3×3 convolution over 128 channels in 8 groups of 16 has 1/8 of the weights of a dense one; watch the parameter count as you change groups.',
    tags: ['model', 'cnn', 'd2l', 'resnext', 'grouped convolution', 'residual'],
    symbols: { N: 8, H: 32, W: 32 },
  });
}

export function regnet(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const x = g.node(
    'Input',
    { shape: ['N', 1, 96, 96], dtype: 'float32' },
    { label: 'images', stem: 'images' },
  );
  let at = g.chain(x, [
    ['Conv2d', conv(1, 32, 3, 2, 1), 'stem.conv'],
    ['BatchNorm2d', { num_features: 32 }, 'stem.bn'],
    ['ReLU'],
  ]);
  // RegNetX-32 as in D2L: stages (depth, width) = (4, 32), (6, 80); groups of 16 channels, bottleneck 1
  let cin = 32;
  [
    [4, 32],
    [6, 80],
  ].forEach(([depth, width], s) => {
    for (let i = 0; i < depth; i++) {
      at = resnextBlock(g, at, `stage${s + 1}.${i}`, cin, width, 16, 1, i === 0 ? 2 : 1);
      cin = width;
    }
  });
  const logits = g.chain(at, [
    ['AdaptiveAvgPool2d', { output_size: [1, 1] }, 'head.pool'],
    ['Flatten'],
    ['Linear', linear(80, 10), 'head.fc'],
  ]);
  const labels = g.node('Input', { shape: ['N'], dtype: 'int32' }, { label: 'labels', stem: 'labels' });
  const loss = g.apply('CrossEntropyLoss', { input: logits, target: labels }, {}, 'loss');
  g.apply('SGD', { loss }, { lr: 0.05 }, 'minibatch SGD');
  return g.document({
    title: 'AnyNet / RegNetX-32',
    description:
      'D2L’s AnyNet design space instantiated as RegNetX-32: a stem, two stages of ResNeXt blocks (depths 4 and 6, widths 32 and 80, groups of 16), then the head.',
    teaches:
      'Networks as a design space: stem, body of stages, head; each stage starts with a stride-2 block, and widths and depths are the knobs RegNet picks by rule.',
    tags: ['model', 'cnn', 'd2l', 'regnet', 'anynet', 'design space'],
    symbols: { N: 16 },
  });
}

/** An RNN/LSTM/GRU language model: tokens → embedding → recurrent layer → logits per step. */
export function languageModel(c: Catalog, cell: 'RNN' | 'LSTM' | 'GRU'): GraphDocument {
  const vocab = 28;
  const g = new GraphBuilder(c);
  const tokens = g.node('Input', { shape: ['N', 'T'], dtype: 'int32' }, { label: 'tokens', stem: 'tokens' });
  const next = g.node(
    'Input',
    { shape: ['N', 'T'], dtype: 'int32' },
    { label: 'next tokens', stem: 'targets' },
  );
  const embedded = g.apply('Embedding', tokens, { num_embeddings: vocab, embedding_dim: 32 }, 'embedding');
  const rnn = g.apply(
    cell,
    embedded,
    { input_size: 32, hidden_size: 64, batch_first: true },
    cell.toLowerCase(),
  );
  const logits = g.chain(rnn.out('output'), [
    ['Linear', linear(64, vocab), 'to vocabulary'],
    ['Permute', { dims: [0, 2, 1] }, 'classes to dim 1'],
  ]);
  const loss = g.apply('CrossEntropyLoss', { input: logits, target: next }, {}, 'loss');
  g.apply('SGD', { loss }, { lr: 1, clip: 'norm', max_norm: 1 }, 'SGD, gradients clipped to norm 1');
  const what = { RNN: 'a plain tanh RNN', LSTM: 'an LSTM', GRU: 'a GRU' }[cell];
  return g.document({
    title: `${cell} language model`,
    description: `A character-level language model with ${what}: 28 symbols (a–z, space, unknown) embedded in 32 dims, 64 hidden units, next-character logits at every step.`,
    teaches: `Sequence shapes: [N, T] token ids become [N, T, 32] embeddings and [N, T, 64] hidden states; cross-entropy wants the classes on dim 1, so the logits are permuted to [N, 28, T] against [N, T] targets.`,
    tags: ['model', 'sequence', 'd2l', 'language model', cell.toLowerCase(), 'recurrent'],
    symbols: { N: 32, T: 35 },
  });
}

export function seq2seq(c: Catalog): GraphDocument {
  const vocab = 12;
  const g = new GraphBuilder(c);
  const source = g.node(
    'Input',
    { shape: ['N', 'S'], dtype: 'int32' },
    { label: 'source digits', stem: 'source' },
  );
  const shifted = g.node(
    'Input',
    { shape: ['N', 'T'], dtype: 'int32' },
    { label: 'target, shifted right (<bos> first)', stem: 'decoder_input' },
  );
  const target = g.node(
    'Input',
    { shape: ['N', 'T'], dtype: 'int32' },
    { label: 'target (copy or reverse)', stem: 'target' },
  );
  const encoder = g.apply(
    'GRU',
    g.apply('Embedding', source, { num_embeddings: vocab, embedding_dim: 32 }, 'encoder embedding'),
    {
      input_size: 32,
      hidden_size: 64,
      batch_first: true,
    },
    'encoder',
  );
  const decoder = g.apply(
    'GRU',
    {
      input: g.apply('Embedding', shifted, { num_embeddings: vocab, embedding_dim: 32 }, 'decoder embedding'),
      h0: encoder.out('h_n'),
    },
    { input_size: 32, hidden_size: 64, batch_first: true },
    'decoder',
  );
  const logits = g.chain(decoder.out('output'), [
    ['Linear', linear(64, vocab), 'to vocabulary'],
    ['Permute', { dims: [0, 2, 1] }, 'classes to dim 1'],
  ]);
  const loss = g.apply('CrossEntropyLoss', { input: logits, target }, {}, 'loss');
  g.apply('Adam', { loss }, { lr: 0.005, clip: 'norm', max_norm: 1 }, 'Adam, gradients clipped to norm 1');
  return g.document({
    title: 'Seq2seq: copy / reverse',
    description:
      'An encoder–decoder of GRUs on the copy or reverse task: the encoder reads a digit sequence, its last hidden state starts the decoder, which is fed the target shifted right (teacher forcing).',
    teaches:
      'The encoder’s h_n [1, N, 64] is the whole context the decoder gets; reversing is easier than copying for this model because the first outputs depend on the last inputs it read.',
    tags: ['model', 'sequence', 'd2l', 'seq2seq', 'encoder-decoder', 'gru'],
    symbols: { N: 64, S: 8, T: 8 },
  });
}

export function vitMnist(c: Catalog): GraphDocument {
  const d = 64;
  const g = new GraphBuilder(c);
  const x = g.node(
    'Input',
    { shape: ['N', 1, 28, 28], dtype: 'float32' },
    { label: 'images', stem: 'images' },
  );
  let at: Source = g.chain(x, [
    ['PatchEmbedding', { in_channels: 1, patch_size: 7, num_hiddens: d }, 'patches (7×7)'],
    ['PositionalEncoding', { kind: 'learned', num_hiddens: d, max_len: 16 }, 'positions'],
  ]);
  for (let b = 0; b < 2; b++) {
    const ln1 = g.apply('LayerNorm', at, { normalized_shape: [d] }, `block${b}.ln1`);
    const attn = g.apply(
      'MultiHeadAttention',
      { query: ln1, key: ln1, value: ln1 },
      { embed_dim: d, num_heads: 4, batch_first: true },
      `block${b}.attention`,
    );
    at = g.apply('Add', { a: at, b: attn.out('output') }, {}, `block${b} + attention`);
    const mlp = g.chain(at, [
      ['LayerNorm', { normalized_shape: [d] }, `block${b}.ln2`],
      ['Linear', linear(d, 2 * d), `block${b}.mlp1`],
      ['GELU'],
      ['Linear', linear(2 * d, d), `block${b}.mlp2`],
    ]);
    at = g.apply('Add', { a: at, b: mlp }, {}, `block${b} + mlp`);
  }
  // mean over the 16 tokens: [N, 16, d] → [N, d, 16, 1] → global average pool
  const logits = g.chain(at, [
    ['LayerNorm', { normalized_shape: [d] }, 'final norm'],
    ['Transpose', { dim0: 1, dim1: 2 }],
    ['Unsqueeze', { dim: -1 }],
    ['AdaptiveAvgPool2d', { output_size: [1, 1] }, 'mean over tokens'],
    ['Flatten'],
    ['Linear', linear(d, 10), 'head'],
  ]);
  const labels = g.node('Input', { shape: ['N'], dtype: 'int32' }, { label: 'labels', stem: 'labels' });
  const loss = g.apply('CrossEntropyLoss', { input: logits, target: labels }, {}, 'loss');
  g.apply('Adam', { loss }, { lr: 0.001 }, 'Adam');
  return g.document({
    title: 'ViT on MNIST',
    description:
      'A small Vision Transformer for 28×28 digits: 16 patches of 7×7 embedded in 64 dims, learned positions, two pre-norm blocks with 4 heads, mean-pooled tokens, a linear head.',
    teaches:
      'Patch size sets the sequence length (28/7 = 4, so 4×4 = 16 tokens) and attention cost grows with its square; everything after the patch embedding keeps [N, 16, 64].',
    tags: ['model', 'transformer', 'attention', 'vision', 'vit', 'mnist'],
    symbols: { N: 64 },
  });
}

export const moreModelTemplates: Record<string, (c: Catalog) => GraphDocument> = {
  linear_regression: linearRegression,
  softmax_regression: softmaxRegression,
  resnext_block: resnextBlockTemplate,
  regnet: regnet,
  rnn_language_model: (c) => languageModel(c, 'RNN'),
  lstm_language_model: (c) => languageModel(c, 'LSTM'),
  gru_language_model: (c) => languageModel(c, 'GRU'),
  seq2seq_copy_reverse: seq2seq,
  vit_mnist: vitMnist,
};
