/**
 * Study-exercise templates: small graphs that each make one point visible on the canvas —
 * a shape, a parameter count, a warning, or a number to read off in live mode.
 */
import type { GraphDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { GraphBuilder, type Params } from '../build.ts';

const linear = (fin: number, fout: number): Params => ({ in_features: fin, out_features: fout, bias: true });

export function softmaxSanity(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const logits = g.node(
    'Input',
    { shape: ['N', 10], dtype: 'float32' },
    { label: 'logits z', stem: 'logits' },
  );
  const shift = g.node(
    'Input',
    { shape: ['N', 1], dtype: 'float32' },
    { label: 'one constant per row c', stem: 'shift' },
  );
  const p = g.apply('Softmax', logits, { dim: 1 }, 'softmax(z)');
  const shifted = g.apply(
    'Softmax',
    g.apply('Add', { a: logits, b: shift }, {}, 'z + c'),
    { dim: 1 },
    'softmax(z + c)',
  );
  g.apply('Sub', { a: p, b: shifted }, {}, 'difference (all ≈ 0)');
  return g.document({
    title: 'Softmax sanity check',
    description:
      'Softmax over the ten logits of each row, next to the softmax of the same logits shifted by a per-row constant; their difference.',
    teaches:
      'In live mode: every row of softmax(z) is positive and sums to 1, and adding the same constant to a row changes nothing (the difference is 0) — the fact the stable implementation relies on. Try dim 0: columns sum to 1 instead.',
    tags: ['exercise', 'softmax', 'probabilities', 'basics'],
    symbols: { N: 4 },
  });
}

export function softmaxCeGradient(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const x = g.node('Input', { shape: ['N', 5], dtype: 'float32' }, { label: 'features', stem: 'x' });
  const y = g.node('Input', { shape: ['N'], dtype: 'int32' }, { label: 'classes y', stem: 'y' });
  const logits = g.apply('Linear', x, linear(5, 3), 'logits z');
  g.apply('Softmax', logits, { dim: 1 }, 'p = softmax(z)');
  const loss = g.apply(
    'CrossEntropyLoss',
    { input: logits, target: y },
    { reduction: 'sum' },
    'loss = −Σ log p_y',
  );
  g.apply('SGD', { loss }, { lr: 0.1 }, 'SGD');
  return g.document({
    title: 'Gradient of softmax cross-entropy = p − y',
    description:
      'Logits from a Linear layer go to cross-entropy (sum reduction); a Softmax node beside it shows p.',
    teaches:
      'Step the backward pass to the logits: the gradient arriving there is exactly p − onehot(y) (divided by N with mean reduction) — compare it with the Softmax node’s values row by row.',
    tags: ['exercise', 'gradients', 'softmax', 'cross-entropy', 'backward'],
    symbols: { N: 4 },
  });
}

export function firstIterationLoss(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const mnist = g.node('MNIST', { batch_size: 64 }, { label: 'MNIST digits', stem: 'mnist' });
  const logits = g.chain(mnist.out('x'), [
    ['Flatten'],
    ['Linear', linear(784, 64)],
    ['ReLU'],
    ['Linear', linear(64, 10), 'logits (10 classes)'],
  ]);
  const y = mnist.out('y');
  const loss = g.apply('CrossEntropyLoss', { input: logits, target: y }, {}, 'loss ≈ ln 10 = 2.303');
  g.apply('SGD', { loss }, { lr: 0.1 }, 'SGD');
  return g.document({
    title: 'First-iteration loss ≈ ln C',
    description:
      'A freshly initialised classifier over C = 10 classes: its logits are small, its predictions near uniform.',
    teaches:
      'Before any training the loss should be close to ln C (ln 10 ≈ 2.303): p ≈ 1/C for every class. A first loss far from it means a bug — wrong labels, a scale error, a missing softmax or a doubled one.',
    tags: ['exercise', 'debugging', 'cross-entropy', 'initialisation'],
    symbols: { N: 64 },
  });
}

export function cnnVsMlpParams(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const x = g.node(
    'Input',
    { shape: ['N', 1, 28, 28], dtype: 'float32' },
    { label: 'the same images', stem: 'images' },
  );
  g.chain(x, [
    ['Flatten', {}, 'MLP: flatten'],
    ['Linear', linear(784, 256), 'MLP: 784 → 256'],
    ['ReLU'],
    ['Linear', linear(256, 10), 'MLP logits'],
  ]);
  g.chain(x, [
    [
      'Conv2d',
      { in_channels: 1, out_channels: 16, kernel_size: [3, 3], padding: [1, 1] },
      'CNN: conv 3×3, 16',
    ],
    ['ReLU'],
    ['MaxPool2d', { kernel_size: [2, 2] }, 'CNN: pool'],
    [
      'Conv2d',
      { in_channels: 16, out_channels: 32, kernel_size: [3, 3], padding: [1, 1] },
      'CNN: conv 3×3, 32',
    ],
    ['ReLU'],
    ['AdaptiveAvgPool2d', { output_size: [1, 1] }, 'CNN: global pool'],
    ['Flatten'],
    ['Linear', linear(32, 10), 'CNN logits'],
  ]);
  return g.document({
    title: 'CNN vs MLP: parameter counts',
    description:
      'The same 28×28 images through an MLP (784 → 256 → 10) and through a small CNN (two 3×3 convolutions, global pooling, a linear head).',
    teaches:
      'Weight sharing: the MLP’s first layer alone has 200,960 parameters, the whole CNN about 5,000 — and the CNN’s count does not change with the image size. Open the summary panel and compare.',
    tags: ['exercise', 'cnn', 'parameters', 'weight sharing'],
    symbols: { N: 64 },
  });
}

export function batchNormVsLayerNorm(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const images = g.node(
    'Input',
    { shape: ['N', 8, 6, 6], dtype: 'float32' },
    { label: 'feature maps [N, C, H, W]', stem: 'maps' },
  );
  g.apply('BatchNorm2d', images, { num_features: 8 }, 'BatchNorm2d: per channel, over N, H, W');
  g.apply('LayerNorm', images, { normalized_shape: [8, 6, 6] }, 'LayerNorm: per sample, over C, H, W');
  const tokens = g.node(
    'Input',
    { shape: ['N', 'T', 16], dtype: 'float32' },
    { label: 'tokens [N, T, d]', stem: 'tokens' },
  );
  g.apply('LayerNorm', tokens, { normalized_shape: [16] }, 'LayerNorm: per token, over d');
  return g.document({
    title: 'BatchNorm vs LayerNorm: which axes',
    description:
      'The same feature maps normalised by BatchNorm2d (statistics per channel, across the batch and space) and by LayerNorm (per sample); and LayerNorm on token features as Transformers use it.',
    teaches:
      'BatchNorm’s statistics mix samples of the batch (so it behaves differently with batch 1 and in eval mode); LayerNorm’s never do. Parameter counts: BatchNorm2d has 2·C, LayerNorm 2·∏ normalized_shape.',
    tags: ['exercise', 'normalisation', 'batchnorm', 'layernorm', 'axes'],
    symbols: { N: 4, T: 10 },
  });
}

export function broadcastingTrap(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const pred = g.node(
    'Input',
    { shape: ['N', 1], dtype: 'float32' },
    { label: 'predictions [N, 1]', stem: 'predictions' },
  );
  const target = g.node(
    'Input',
    { shape: ['N'], dtype: 'float32' },
    { label: 'targets [N]', stem: 'targets' },
  );
  const error = g.apply('Sub', { a: target, b: pred }, {}, 'error = targets − predictions');
  g.apply('Mul', { a: error, b: error }, {}, 'squared error');
  return g.document({
    title: 'The broadcasting trap (N) − (N,1) → (N,N)',
    description:
      'Targets of shape [N] minus predictions of shape [N, 1]: PyTorch broadcasts them to an [N, N] matrix of every target minus every prediction, silently.',
    teaches:
      'The edge into the subtraction carries a warning: the shapes align from the right, the vector stretches over rows and the column over columns. Apply the offered fix (reshape one side) and the error becomes [N, 1] again.',
    tags: ['exercise', 'broadcasting', 'shapes', 'bugs', 'warning'],
    symbols: { N: 8 },
  });
}

export function lossesAsLikelihoods(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  // Student-t noise with ν = 2: mostly small errors, now and then a far outlier
  const data = g.node(
    'LinearRegressionData',
    { features: 1, noise: 'student_t', noise_scale: 0.3, dof: 2, batch_size: 64 },
    { label: 'y = wx + b + Student-t noise', stem: 'data' },
  );
  const x = data.out('x');
  const y = data.out('y');
  const fits: [string, string, Params][] = [
    ['MSELoss', 'L2 = Gaussian noise', {}],
    ['L1Loss', 'L1 = Laplace noise', {}],
    ['HuberLoss', 'Huber = Gaussian core, Laplace tails', { delta: 1 }],
  ];
  // one line per loss, each trained by its own optimizer on its own parameters
  for (const [type, label, params] of fits) {
    const name = type.replace('Loss', '');
    const pred = g.node('Linear', linear(1, 1), { label: `${name} fit`, stem: `${name}_fit` });
    g.wire(x, pred);
    const loss = g.apply(type, { input: pred, target: y }, params, label);
    g.apply('SGD', { loss }, { lr: 0.05, param_group: pred.id }, `SGD on the ${name} fit`);
  }
  return g.document({
    title: 'Losses as likelihoods',
    description:
      'Three straight-line fits of the same noisy regression data, one per loss: mean squared error, absolute error and Huber. The data’s noise is Student-t (ν = 2), heavy-tailed.',
    teaches:
      'Each loss is a negative log-likelihood: L2 assumes Gaussian noise (outliers pull hard), L1 Laplace noise (the fit follows the median), Huber is quadratic near zero and linear in the tails. Train, compare the fitted lines, then switch the data’s noise to gaussian or laplace and see which loss wins.',
    tags: ['exercise', 'losses', 'likelihood', 'regression', 'outliers'],
    symbols: { N: 64 },
  });
}

export function zeroInitSymmetry(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const data = g.node(
    'GaussianBlobs',
    { samples: 600, classes: 3, features: 2, spread: 1.5, box: 4, batch_size: 32 },
    { label: 'three clusters of points', stem: 'blobs' },
  );
  // no hidden bias: with one, each unit would start from its own random offset and the
  // symmetry would break on the first step; sigmoid(0) = ½ keeps the zero-init units alive
  const logits = g.chain(data.out('x'), [
    ['Linear', { ...linear(2, 8), bias: false, init: 'zeros' }, 'hidden: 8 units, weights 0'],
    ['Sigmoid', {}, 'every unit outputs ½'],
    ['Linear', { ...linear(8, 3), init: 'zeros' }, 'output: weights 0'],
  ]);
  const loss = g.apply('CrossEntropyLoss', { input: logits, target: data.out('y') }, {}, 'loss');
  g.apply('SGD', { loss }, { lr: 0.5 }, 'SGD');
  return g.document({
    title: 'Zero-init symmetry trap',
    description:
      'A two-layer classifier whose weights all start at zero (init: zeros on both Linear layers), trained by SGD on three clusters of points.',
    teaches:
      'With equal weights every hidden unit computes the same value and receives the same gradient, so after any number of steps the rows of the hidden weight are still identical: eight units behave as one and the loss stalls above what the network could reach. Set both inits back to default and train again.',
    tags: ['exercise', 'initialisation', 'symmetry', 'gradients'],
  });
}

export function batchSizeNoise(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const data = g.node(
    'LinearRegressionData',
    { features: 4, noise: 'gaussian', noise_scale: 1, batch_size: 8, samples: 4096 },
    { label: 'noisy regression data (batch_size 8)', stem: 'data' },
  );
  const pred = g.apply('Linear', data.out('x'), linear(4, 1), 'linear model');
  const loss = g.apply('MSELoss', { input: pred, target: data.out('y') }, {}, 'minibatch loss');
  g.apply('SGD', { loss }, { lr: 0.02 }, 'SGD');
  return g.document({
    title: 'Batch size and gradient noise',
    description:
      'A linear model trained by SGD on noisy regression data, starting with tiny batches of 8. The minibatch gradient is an average of B per-sample gradients.',
    teaches:
      'The spread of a minibatch gradient around the full gradient shrinks like 1/√B: train with batch_size 8, then 128 (16× larger), and the loss curve’s jitter drops about 4× — while each step costs 16× more samples.',
    tags: ['exercise', 'sgd', 'batch size', 'noise', 'optimisation'],
  });
}

export function logSumExpStability(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const z = g.node(
    'Tensor',
    { shape: [2, 3], values: '1, 2, 3, 1000, 1001, 1002', requires_grad: false },
    { label: 'logits: small row, row near 1000', stem: 'logits' },
  );
  const rowSum = { dim: -1, keepdim: true };
  // naive: log Σ exp z — exp(1000) is +∞ in float32 (it overflows above ≈ 88.7)
  const exps = g.apply('Exp', z, {}, 'naive: exp z (overflows)');
  const total = g.apply('Sum', exps, rowSum, 'naive: Σ exp z');
  g.apply('Log', total, {}, 'naive log-sum-exp (+∞ in row 2)');
  g.apply('Div', { a: exps, b: total }, {}, 'naive softmax (∞/∞ = NaN)');
  // stable: m + log Σ exp(z − m), with m the row's max: every exponent is ≤ 0
  const m = g.apply('Max', z, rowSum, 'm = max z per row');
  const shifted = g.apply('Sub', { a: z, b: m }, {}, 'z − m (all ≤ 0)');
  const stableSum = g.chain(shifted, [
    ['Exp', {}, 'exp(z − m) ∈ (0, 1]'],
    ['Sum', rowSum, 'Σ exp(z − m) ∈ [1, C]'],
    ['Log'],
  ]);
  g.apply('Add', { a: m, b: stableSum }, {}, 'stable log-sum-exp = m + log Σ exp(z − m)');
  g.apply('Softmax', z, { dim: -1 }, 'Softmax node (stable)');
  return g.document({
    title: 'Log-sum-exp stability',
    description:
      'Two rows of logits, one small (1, 2, 3) and one near 1000, through log Σ exp z computed naively and with the max-shift, and softmax naively and with the Softmax node.',
    teaches:
      'In live mode the naive path gives +∞ (log-sum-exp) and NaN (softmax) for the row near 1000, while the small row is fine: exp(1000) overflows float32. Subtracting the row max first makes every exponent ≤ 0, so nothing overflows and the answer is exact: m + log Σ exp(z − m) = 1002.41. Softmax and cross-entropy do this inside.',
    tags: ['exercise', 'numerics', 'softmax', 'log-sum-exp', 'overflow'],
  });
}

/** f(x) = 0.1·x₁² + 2·x₂², D2L's ill-conditioned bowl, from D2L's start (−5, −2). */
function quadraticBowl(g: GraphBuilder, who: string) {
  const x = g.node(
    'Tensor',
    { shape: [2], values: '-5, -2', requires_grad: true },
    { label: `x = (x₁, x₂) for ${who}`, stem: `x_${who.replace(/\W+/g, '_')}` },
  );
  const weights = g.node(
    'Tensor',
    { shape: [2], values: '0.1, 2', requires_grad: false },
    { label: 'curvatures (0.1, 2)', stem: 'curvatures' },
  );
  const squares = g.apply('Pow', x, { exponent: 2 }, 'x²');
  const terms = g.apply('Mul', { a: weights, b: squares }, {}, '0.1·x₁², 2·x₂²');
  return { x, loss: g.apply('Sum', terms, { dim: null, keepdim: false }, `f(x) for ${who}`) };
}

export function sgdVsMomentum(c: Catalog): GraphDocument {
  const g = new GraphBuilder(c);
  const plain = quadraticBowl(g, 'SGD');
  g.apply('SGD', { loss: plain.loss }, { lr: 0.4, param_group: plain.x.id }, 'SGD, lr 0.4');
  const heavy = quadraticBowl(g, 'momentum');
  g.apply(
    'SGD',
    { loss: heavy.loss },
    { lr: 0.4, momentum: 0.5, param_group: heavy.x.id },
    'SGD with momentum 0.5, lr 0.4',
  );
  return g.document({
    title: 'SGD vs momentum on an ill-conditioned quadratic',
    description:
      'Two copies of f(x) = 0.1·x₁² + 2·x₂² (curvatures 20× apart), each starting at (−5, −2), each minimised by its own optimizer: plain SGD and SGD with momentum 0.5, both at lr 0.4. The gallery plots both paths.',
    teaches:
      'Plain SGD shrinks x₂ fast (and zig-zags) but creeps along the flat x₁ direction (×0.92 a step); momentum accumulates the consistent x₁ gradient and gets there in a third of the steps. Raise both lrs to 0.6: SGD diverges along x₂ (×−1.4 a step), momentum still converges.',
    tags: ['exercise', 'optimisation', 'momentum', 'sgd', 'conditioning', 'trajectory'],
  });
}

export const exerciseTemplates: Record<string, (c: Catalog) => GraphDocument> = {
  softmax_sanity: softmaxSanity,
  softmax_ce_gradient: softmaxCeGradient,
  first_iteration_loss: firstIterationLoss,
  cnn_vs_mlp_params: cnnVsMlpParams,
  batchnorm_vs_layernorm: batchNormVsLayerNorm,
  broadcasting_trap: broadcastingTrap,
  losses_as_likelihoods: lossesAsLikelihoods,
  zero_init_symmetry: zeroInitSymmetry,
  batch_size_noise: batchSizeNoise,
  log_sum_exp_stability: logSumExpStability,
  sgd_vs_momentum: sgdVsMomentum,
};
