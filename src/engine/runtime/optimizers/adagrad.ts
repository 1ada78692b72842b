import { buffers, epsSpec, lrSpec, maximizeSpec, type OptimizerDef, weightDecaySpec } from './optimizer.ts';

export interface AdagradHyperparams {
  lr: number;
  lr_decay: number;
  weight_decay: number;
  initial_accumulator_value: number;
  eps: number;
  maximize: boolean;
}

export interface AdagradConstants {
  /** lr / (1 + (step − 1)·lr_decay) */
  clr: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** PyTorch 1.13 `_single_tensor_adagrad`, per element: s += g²; p −= clr·g / (√s + ε). */
export function adagradKernel(
  p: Float32Array,
  g: Float32Array,
  sum: Float32Array,
  k: AdagradConstants,
): void {
  const { clr, eps, weightDecay, maximize } = k;
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i] : g[i];
    if (weightDecay !== 0) d += weightDecay * p[i];
    const s = sum[i] + d * d;
    sum[i] = s;
    p[i] -= (clr * d) / (Math.sqrt(s) + eps);
  }
}

/** The lr of step t (counting from 1): lr / (1 + (t − 1)·lr_decay). */
function adagradLr(lr: number, step: number, lrDecay: number): number {
  return lr / (1 + (step - 1) * lrDecay);
}

export const Adagrad: OptimizerDef<AdagradHyperparams> = {
  name: 'Adagrad',
  pytorchClass: 'torch.optim.Adagrad',
  doc: 'Per-coordinate learning rates that shrink with the accumulated squared gradient.',
  formula: 'g ← g + λp;  s ← s + g²;  p ← p − lr/(1+(t−1)·η)·g/(√s + ε)',
  hyperparams: {
    lr: lrSpec(0.01),
    lr_decay: { kind: 'number', default: 0, min: 0, doc: 'η: the lr at step t is lr/(1 + (t−1)·η)' },
    weight_decay: weightDecaySpec,
    initial_accumulator_value: {
      kind: 'number',
      default: 0,
      min: 0,
      doc: 'starting value of the sum of squares s',
    },
    eps: epsSpec(1e-10, 'added to √s for numerical stability'),
    maximize: maximizeSpec,
  },
  initState: (size, h) => buffers(size, ['sum'], h.initial_accumulator_value),
  update(p, g, s, lr, h) {
    adagradKernel(p, g, s.buffers.sum, {
      clr: adagradLr(lr, s.step, h.lr_decay),
      eps: h.eps,
      weightDecay: h.weight_decay,
      maximize: h.maximize,
    });
  },
  device: {
    kernel: () => ({ name: 'optim_adagrad', defines: {} }),
    buffers: () => ['sum'],
    scalars: (step, lr, h) => ({
      floats: [adagradLr(lr, step, h.lr_decay), h.eps, h.weight_decay],
      flags: h.maximize ? 1 : 0,
    }),
  },
};
