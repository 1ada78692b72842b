import { buffers, epsSpec, lrSpec, maximizeSpec, type OptimizerDef, weightDecaySpec } from './optimizer.ts';

export interface RmspropHyperparams {
  lr: number;
  alpha: number;
  eps: number;
  weight_decay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export interface RmspropConstants {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  maximize: boolean;
}

/**
 * PyTorch 1.13 `_single_tensor_rmsprop`, per element: v ← αv + (1−α)g²; centered: m ← αm + (1−α)g,
 * v̄ = v − m²; d = √v̄ + ε (eps after the root); with momentum b ← μb + g/d, p −= lr·b, else p −= lr·g/d.
 * `gradAvg` is present when centered, `buf` when momentum > 0.
 */
export function rmspropKernel(
  p: Float32Array,
  g: Float32Array,
  squareAvg: Float32Array,
  gradAvg: Float32Array | undefined,
  buf: Float32Array | undefined,
  k: RmspropConstants,
): void {
  const { lr, alpha, eps, weightDecay, momentum, maximize } = k;
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i] : g[i];
    if (weightDecay !== 0) d += weightDecay * p[i];
    const v = alpha * squareAvg[i] + (1 - alpha) * d * d;
    squareAvg[i] = v;
    let denom: number;
    if (gradAvg) {
      const m = alpha * gradAvg[i] + (1 - alpha) * d;
      gradAvg[i] = m;
      denom = Math.sqrt(v - m * m) + eps;
    } else {
      denom = Math.sqrt(v) + eps;
    }
    if (buf) {
      const b = momentum * buf[i] + d / denom;
      buf[i] = b;
      p[i] -= lr * b;
    } else {
      p[i] -= (lr * d) / denom;
    }
  }
}

export const RMSprop: OptimizerDef<RmspropHyperparams> = {
  name: 'RMSprop',
  pytorchClass: 'torch.optim.RMSprop',
  doc: 'Divides the gradient by a running root-mean-square of recent gradients (optionally centered, with momentum).',
  formula: 'g ← g + λp;  v ← αv + (1−α)g²;  v̄ = centered ? v − m² : v;  b ← μb + g/(√v̄ + ε);  p ← p − lr·b',
  hyperparams: {
    lr: lrSpec(0.01),
    alpha: {
      kind: 'number',
      default: 0.99,
      min: 0,
      doc: 'smoothing constant α of the squared-gradient average',
    },
    eps: epsSpec(1e-8, 'added after the square root'),
    weight_decay: weightDecaySpec,
    momentum: { kind: 'number', default: 0, min: 0, doc: 'momentum factor μ (0: none)' },
    centered: {
      kind: 'boolean',
      default: false,
      doc: 'normalise by the variance estimate v − m² instead of v',
    },
    maximize: maximizeSpec,
  },
  momentum: 'momentum',
  initState: (size, h) =>
    buffers(size, [
      'square_avg',
      ...(h.momentum > 0 ? ['momentum_buffer'] : []),
      ...(h.centered ? ['grad_avg'] : []),
    ]),
  update(p, g, s, lr, h) {
    // momentum may be switched on after the first step (OneCycleLR): start its buffer at zero, as PyTorch does
    if (h.momentum > 0 && !s.buffers.momentum_buffer) s.buffers.momentum_buffer = new Float32Array(p.length);
    if (h.centered && !s.buffers.grad_avg) s.buffers.grad_avg = new Float32Array(p.length);
    rmspropKernel(
      p,
      g,
      s.buffers.square_avg,
      h.centered ? s.buffers.grad_avg : undefined,
      h.momentum > 0 ? s.buffers.momentum_buffer : undefined,
      {
        lr,
        alpha: h.alpha,
        eps: h.eps,
        weightDecay: h.weight_decay,
        momentum: h.momentum,
        maximize: h.maximize,
      },
    );
  },
  device: {
    // the buffers bind in `buffers`' order: grad_avg comes one binding later after a momentum buffer
    kernel: (h) => {
      const momentum = h.momentum > 0 ? 1 : 0;
      const centered = h.centered ? 1 : 0;
      return {
        name: 'optim_rmsprop',
        defines: {
          MOMENTUM: momentum,
          PLAIN: 1 - momentum,
          CENTERED: centered,
          GRAD_AVG_BINDING: 4 + momentum,
        },
      };
    },
    buffers: (h) => [
      'square_avg',
      ...(h.momentum > 0 ? ['momentum_buffer'] : []),
      ...(h.centered ? ['grad_avg'] : []),
    ],
    scalars: (_step, lr, h) => ({
      floats: [lr, h.alpha, h.eps, h.weight_decay, h.momentum],
      flags: h.maximize ? 1 : 0,
    }),
  },
};
