/**
 * The catalog: every node type, passed in as a list (no registration side effects). Each
 * group below is kept by one owner; add imports and entries under your group's markers.
 */
import type { AnyNodeDef } from './define.ts';
import { ReLU } from './activations/relu.ts';
import { Conv2d } from './layers/conv2d.ts';
import { Linear } from './layers/linear.ts';
import { CrossEntropyLoss } from './losses/cross_entropy.ts';
import { Add, Div, Maximum, Mul, Sub } from './math/elementwise.ts';
import { MatMul } from './math/matmul.ts';
import { Flatten } from './reshape/flatten.ts';
import { Reshape } from './reshape/reshape.ts';
import { Transpose } from './reshape/transpose.ts';
import { Unsqueeze } from './reshape/unsqueeze.ts';
import { Input } from './sources/input.ts';
// @group templates-nodes-imports (task D: ViT's class token and Select; exp, log and amax for log-sum-exp)
import { ClassToken } from './tokens/class_token.ts';
import { Select } from './tokens/select.ts';
import { Exp, Log } from './math/exp_log.ts';
import { Max } from './math/amax.ts';
// @group catalog-imports
import { Probe } from './evaluators/probe.ts';
import { LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh } from './activations/pointwise.ts';
import { LogSoftmax, Softmax } from './activations/softmax.ts';
import { AdaptiveAvgPool2d } from './layers/adaptive_avg_pool2d.ts';
import { AdditiveAttention } from './layers/additive_attention.ts';
import { AvgPool2d } from './layers/avg_pool2d.ts';
import { BatchNorm1d, BatchNorm2d } from './layers/batch_norm.ts';
import { Conv1d } from './layers/conv1d.ts';
import { ConvTranspose2d } from './layers/conv_transpose2d.ts';
import { Dropout } from './layers/dropout.ts';
import { Embedding } from './layers/embedding.ts';
import { GroupNorm } from './layers/group_norm.ts';
import { LayerNorm } from './layers/layer_norm.ts';
import { MaxPool2d } from './layers/max_pool2d.ts';
import { MultiHeadAttention } from './layers/multi_head_attention.ts';
import { PatchEmbedding } from './layers/patch_embedding.ts';
import { PositionalEncoding } from './layers/positional_encoding.ts';
import { GRU, LSTM, RNN } from './layers/recurrent.ts';
import { ScaledDotProductAttention } from './layers/scaled_dot_product_attention.ts';
import { BCELoss, BCEWithLogitsLoss } from './losses/binary_cross_entropy.ts';
import { KLDivLoss } from './losses/kl_div.ts';
import { NLLLoss } from './losses/nll_loss.ts';
import { HuberLoss, L1Loss, MSELoss, SmoothL1Loss } from './losses/pointwise.ts';
import { Concat } from './reshape/concat.ts';
import { Permute } from './reshape/permute.ts';
import { DenseBlock } from './composites/dense_block.ts';
import { InceptionBlock } from './composites/inception_block.ts';
import { MLPBlock } from './composites/mlp_block.ts';
import { ResNetBasicBlock, ResNetBottleneckBlock } from './composites/resnet_blocks.ts';
import { TransformerDecoderBlock, TransformerEncoderBlock } from './composites/transformer_blocks.ts';
import { Identity } from './layers/identity.ts';
import { Accuracy } from './evaluators/accuracy.ts';
import { ActivationStats } from './evaluators/activation_stats.ts';
import { ConfusionMatrix } from './evaluators/confusion_matrix.ts';
import { GradNorm } from './evaluators/grad_norm.ts';
import { Perplexity } from './evaluators/perplexity.ts';
import { RunningLoss } from './evaluators/running_loss.ts';
import { Adadelta, Adagrad, Adam, AdamW, RAdam, RMSprop, SGD, Yogi } from './optimizers/optimizers.ts';
import {
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  ExponentialLR,
  FactorScheduler,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  SequentialLR,
  SquareRootScheduler,
  StepLR,
} from './schedulers/schedulers.ts';
import { MNIST } from './sources/mnist.ts';
import { TwoSpirals } from './sources/spirals.ts';
import { GaussianBlobs } from './sources/blobs.ts';
import { XOR } from './sources/xor.ts';
import { LinearRegressionData } from './sources/regression.ts';
import { SineWaves } from './sources/sine.ts';
import { CopyTask } from './sources/copy_task.ts';
import { CSVDataset } from './sources/csv.ts';
import { IDXDataset } from './sources/idx_dataset.ts';
// @group autograd-cases-imports (task C2: leaves, powers and sums for the study notes' autograd cases)
import { Pow } from './math/pow.ts';
import { Sum } from './math/sum.ts';
import { Tensor } from './math/tensor.ts';

/** Node types in palette order. */
export const nodeDefs: AnyNodeDef[] = [
  Input,
  Linear,
  Conv2d,
  ReLU,
  Add,
  Sub,
  Mul,
  Div,
  Maximum,
  MatMul,
  Flatten,
  Reshape,
  Transpose,
  Unsqueeze,
  CrossEntropyLoss,
  // @group templates-nodes
  ClassToken,
  Select,
  Exp,
  Log,
  Max,
  // @group catalog
  Probe,
  Conv1d,
  ConvTranspose2d,
  MaxPool2d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  LayerNorm,
  GroupNorm,
  Dropout,
  Embedding,
  RNN,
  LSTM,
  GRU,
  ScaledDotProductAttention,
  MultiHeadAttention,
  AdditiveAttention,
  PositionalEncoding,
  PatchEmbedding,
  Permute,
  Concat,
  LeakyReLU,
  ELU,
  GELU,
  SiLU,
  Sigmoid,
  Tanh,
  Softmax,
  LogSoftmax,
  MSELoss,
  L1Loss,
  HuberLoss,
  SmoothL1Loss,
  NLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
  SGD,
  Adagrad,
  RMSprop,
  Adadelta,
  Adam,
  AdamW,
  RAdam,
  Yogi,
  StepLR,
  MultiStepLR,
  ExponentialLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  LinearLR,
  OneCycleLR,
  SequentialLR,
  SquareRootScheduler,
  FactorScheduler,
  Accuracy,
  ConfusionMatrix,
  Perplexity,
  RunningLoss,
  GradNorm,
  ActivationStats,
  Identity,
  MLPBlock,
  ResNetBasicBlock,
  ResNetBottleneckBlock,
  InceptionBlock,
  DenseBlock,
  TransformerEncoderBlock,
  TransformerDecoderBlock,
  MNIST,
  TwoSpirals,
  GaussianBlobs,
  XOR,
  LinearRegressionData,
  SineWaves,
  CopyTask,
  CSVDataset,
  IDXDataset,
  // @group autograd-cases
  Tensor,
  Pow,
  Sum,
];

/** Node types looked up by name or alias. */
export interface Catalog {
  readonly all: readonly AnyNodeDef[];
  get(type: string): AnyNodeDef | undefined;
  has(type: string): boolean;
  /** group name → its node types, in palette order */
  groups(): Map<string, AnyNodeDef[]>;
  /** types whose name, alias or doc contains the query (case-insensitive), best first */
  search(query: string): AnyNodeDef[];
}

export function createCatalog(defs: readonly AnyNodeDef[]): Catalog {
  const byType = new Map<string, AnyNodeDef>();
  for (const def of defs) {
    if (byType.has(def.type)) throw new Error(`node catalog: type '${def.type}' is declared twice`);
    byType.set(def.type, def);
  }
  return {
    all: defs,
    get: (type) => byType.get(type),
    has: (type) => byType.has(type),
    groups() {
      const groups = new Map<string, AnyNodeDef[]>();
      for (const def of defs) groups.set(def.group, [...(groups.get(def.group) ?? []), def]);
      return groups;
    },
    search(query) {
      const q = query.trim().toLowerCase();
      if (!q) return [...defs];
      const score = (def: AnyNodeDef) => {
        if (def.type.toLowerCase() === q) return 0;
        if (def.type.toLowerCase().startsWith(q)) return 1;
        if (def.aliases.some((a) => a.toLowerCase().includes(q))) return 2;
        if (def.type.toLowerCase().includes(q)) return 3;
        return def.doc.toLowerCase().includes(q) ? 4 : -1;
      };
      return defs
        .map((def) => ({ def, s: score(def) }))
        .filter((x) => x.s >= 0)
        .sort((a, b) => a.s - b.s)
        .map((x) => x.def);
    },
  };
}

/** The default catalog of every declared node type. */
export const catalog: Catalog = createCatalog(nodeDefs);
