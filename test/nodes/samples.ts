/**
 * A small valid input (and params) for every computing node type, so tests can run each
 * declaration end to end. A node type added to the catalog without a sample fails the
 * catalog test: add one here.
 */
import { run, type Tensor } from '../../src/engine/index.ts';
import { randomTensor } from './harness.ts';

export interface Sample {
  inputs: () => (Tensor | null)[];
  params?: Record<string, unknown>;
}

const r = (shape: number[], seed = 3) => randomTensor(shape, seed);
const ints = (shape: number[], high: number, seed = 5) => randomTensor(shape, seed, 'int32', high);
const probabilities = (shape: number[], seed = 7) => run('sigmoid', [r(shape, seed)]);
const logProbabilities = (shape: number[], seed = 9) => run('log_softmax', [r(shape, seed)], { dim: -1 });

export const samples: Record<string, Sample> = {
  Linear: { inputs: () => [r([2, 6])], params: { in_features: 6, out_features: 4 } },
  Conv2d: { inputs: () => [r([2, 1, 8, 8])] },
  ReLU: { inputs: () => [r([2, 3])] },
  Add: { inputs: () => [r([2, 3]), r([3], 4)] },
  Sub: { inputs: () => [r([2, 3]), r([3], 4)] },
  Mul: { inputs: () => [r([2, 3]), r([3], 4)] },
  Div: { inputs: () => [r([2, 3]), r([3], 4)] },
  Maximum: { inputs: () => [r([2, 3]), r([3], 4)] },
  MatMul: { inputs: () => [r([2, 3]), r([3, 4], 4)] },
  Flatten: { inputs: () => [r([2, 3, 4])] },
  Reshape: { inputs: () => [r([2, 3, 4])], params: { shape: [2, -1] } },
  Transpose: { inputs: () => [r([2, 3])] },
  Unsqueeze: { inputs: () => [r([2, 3])] },
  CrossEntropyLoss: { inputs: () => [r([4, 5]), ints([4], 5)] },
  Conv1d: {
    inputs: () => [r([2, 2, 10])],
    params: { in_channels: 2, out_channels: 4, kernel_size: 3, stride: 2, padding: 1 },
  },
  ConvTranspose2d: {
    inputs: () => [r([2, 4, 5, 5])],
    params: { in_channels: 4, out_channels: 2, kernel_size: 3, stride: 2, padding: 1, output_padding: 1 },
  },
  MaxPool2d: { inputs: () => [r([2, 3, 9, 9])], params: { kernel_size: 3, stride: 2, padding: 1 } },
  AvgPool2d: {
    inputs: () => [r([2, 3, 9, 9])],
    params: { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true },
  },
  AdaptiveAvgPool2d: { inputs: () => [r([2, 3, 7, 5])], params: { output_size: [2, 3] } },
  BatchNorm1d: { inputs: () => [r([4, 6, 3])], params: { num_features: 6 } },
  BatchNorm2d: { inputs: () => [r([2, 6, 4, 4])], params: { num_features: 6 } },
  LayerNorm: { inputs: () => [r([2, 5, 8])], params: { normalized_shape: [8] } },
  GroupNorm: { inputs: () => [r([2, 6, 3])], params: { num_groups: 3, num_channels: 6 } },
  Dropout: { inputs: () => [r([4, 10])], params: { p: 0.3, seed: 4 } },
  Embedding: {
    inputs: () => [ints([2, 5], 7)],
    params: { num_embeddings: 7, embedding_dim: 4, padding_idx: 0 },
  },
  RNN: { inputs: () => [r([5, 3, 4])], params: { input_size: 4, hidden_size: 6 } },
  LSTM: {
    inputs: () => [r([3, 5, 4]), null, null],
    params: { input_size: 4, hidden_size: 6, batch_first: true },
  },
  GRU: {
    inputs: () => [r([5, 3, 4])],
    params: { input_size: 4, hidden_size: 6, num_layers: 2, bidirectional: true },
  },
  ScaledDotProductAttention: { inputs: () => [r([2, 4, 8]), r([2, 6, 8], 4), r([2, 6, 5], 5)] },
  MultiHeadAttention: { inputs: () => [r([5, 2, 8])], params: { embed_dim: 8, num_heads: 2 } },
  AdditiveAttention: {
    inputs: () => [r([2, 3, 5]), r([2, 4, 3], 4), r([2, 4, 6], 5)],
    params: { query_size: 5, key_size: 3, num_hiddens: 7 },
  },
  PositionalEncoding: { inputs: () => [r([2, 5, 8])], params: { num_hiddens: 8 } },
  PatchEmbedding: {
    inputs: () => [r([2, 3, 8, 8])],
    params: { in_channels: 3, patch_size: 4, num_hiddens: 6 },
  },
  Permute: { inputs: () => [r([2, 3, 4])], params: { dims: [2, 0, 1] } },
  Concat: { inputs: () => [r([2, 3]), r([2, 4], 4), null, null, null, null] },
  LeakyReLU: { inputs: () => [r([2, 5])], params: { negative_slope: 0.2 } },
  ELU: { inputs: () => [r([2, 5])] },
  GELU: { inputs: () => [r([2, 5])], params: { approximate: 'tanh' } },
  SiLU: { inputs: () => [r([2, 5])] },
  Sigmoid: { inputs: () => [r([2, 5])] },
  Tanh: { inputs: () => [r([2, 5])] },
  Softmax: { inputs: () => [r([2, 5])], params: { dim: -1 } },
  LogSoftmax: { inputs: () => [r([2, 5])], params: { dim: 1 } },
  MSELoss: { inputs: () => [r([4, 3]), r([4, 3], 4)] },
  L1Loss: { inputs: () => [r([4, 3]), r([4, 3], 4)], params: { reduction: 'sum' } },
  HuberLoss: { inputs: () => [r([4, 3]), r([4, 3], 4)], params: { delta: 0.5 } },
  SmoothL1Loss: { inputs: () => [r([4, 3]), r([4, 3], 4)], params: { beta: 0.5, reduction: 'none' } },
  NLLLoss: { inputs: () => [logProbabilities([4, 5]), ints([4], 5), null] },
  BCELoss: { inputs: () => [probabilities([4, 3]), probabilities([4, 3], 8), null] },
  BCEWithLogitsLoss: { inputs: () => [r([4, 3]), probabilities([4, 3], 8), null, null] },
  Accuracy: { inputs: () => [r([6, 5]), ints([6], 5)], params: { top_k: 2 } },
  ConfusionMatrix: { inputs: () => [r([6, 4]), ints([6], 4)], params: { num_classes: 4 } },
  Perplexity: { inputs: () => [r([2, 3, 7]), ints([2, 3], 7)] },
  RunningLoss: { inputs: () => [r([4])] },
  GradNorm: { inputs: () => [r([3, 4])], params: { norm_type: 3 } },
  ActivationStats: { inputs: () => [run('relu', [r([4, 5])])] },
  Identity: { inputs: () => [r([2, 3])] },
  MLPBlock: {
    inputs: () => [r([2, 6])],
    params: { in_features: 6, out_features: 5, activation: 'gelu', dropout: 0.2 },
  },
  ResNetBasicBlock: {
    inputs: () => [r([2, 3, 6, 6])],
    params: { in_channels: 3, num_channels: 4, use_1x1conv: true, strides: 2 },
  },
  ResNetBottleneckBlock: { inputs: () => [r([2, 8, 6, 6])], params: { in_channels: 8, width: 2, stride: 2 } },
  InceptionBlock: {
    inputs: () => [r([2, 3, 5, 5])],
    params: { in_channels: 3, c1: 2, c2: [2, 3], c3: [1, 2], c4: 2 },
  },
  DenseBlock: { inputs: () => [r([2, 3, 4, 4])], params: { num_convs: 2, in_channels: 3, num_channels: 2 } },
  TransformerEncoderBlock: {
    inputs: () => [r([5, 2, 8])],
    params: { d_model: 8, nhead: 2, dim_feedforward: 16 },
  },
  TransformerDecoderBlock: {
    inputs: () => [r([4, 2, 8]), r([6, 2, 8], 4)],
    params: { d_model: 8, nhead: 2, dim_feedforward: 16, norm_first: true },
  },
  Probe: { inputs: () => [r([2, 3])] },
  KLDivLoss: {
    inputs: () => [logProbabilities([4, 5]), run('softmax', [r([4, 5], 11)], { dim: -1 })],
    params: { reduction: 'batchmean' },
  },
  // task D (templates): ViT's class token and x[:, 0]; exp, log, amax for log-sum-exp
  ClassToken: { inputs: () => [r([2, 3, 4])], params: { embed_dim: 4 } },
  Select: { inputs: () => [r([2, 3, 4])], params: { dim: 1, index: -1 } },
  Exp: { inputs: () => [r([2, 3])] },
  Log: { inputs: () => [probabilities([2, 3])] },
  Max: { inputs: () => [r([2, 3, 4])], params: { dim: 1, keepdim: true } },
  // task C2 (stepper): the autograd cases' leaves, powers and sums
  Tensor: { inputs: () => [], params: { shape: [2, 2], values: '1, -2, 3.5, 0' } },
  Pow: { inputs: () => [r([2, 3])], params: { exponent: 3 } },
  Sum: { inputs: () => [r([2, 3, 4])], params: { dim: -2, keepdim: false } },
};
