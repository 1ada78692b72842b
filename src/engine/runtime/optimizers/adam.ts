import {
  betasSpec,
  buffers,
  type DeviceUpdate,
  epsSpec,
  lrSpec,
  maximizeSpec,
  type OptimizerDef,
  weightDecaySpec,
} from './optimizer.ts';

export interface AdamHyperparams {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export interface AdamConstants {
  beta1: number;
  beta2: number;
  /** lr / (1 − β₁ᵗ) */
  stepSize: number;
  /** √(1 − β₂ᵗ) */
  bc2Sqrt: number;
  eps: number;
  /** L2 penalty added to the gradient (Adam) */
  weightDecay: number;
  /** p is multiplied by this before the update: 1 − lr·λ for AdamW's decoupled decay, else 1 */
  decay: number;
  maximize: boolean;
}

/**
 * PyTorch 1.13 `_single_tensor_adam`/`_adamw`, per element: p ← decay·p; m ← β₁m + (1−β₁)g;
 * v ← β₂v + (1−β₂)g²; v̂max = max(v̂max, v) when amsgrad; p −= stepSize·m / (√v/√(1−β₂ᵗ) + ε).
 * `maxExpAvgSq` is present only with amsgrad.
 */
export function adamKernel(
  p: Float32Array,
  g: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  maxExpAvgSq: Float32Array | undefined,
  k: AdamConstants,
): void {
  const { beta1, beta2, stepSize, bc2Sqrt, eps, weightDecay, decay, maximize } = k;
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i] : g[i];
    const pi = decay === 1 ? p[i] : p[i] * decay;
    if (weightDecay !== 0) d += weightDecay * pi;
    const m = beta1 * expAvg[i] + (1 - beta1) * d;
    let v = beta2 * expAvgSq[i] + (1 - beta2) * d * d;
    expAvg[i] = m;
    expAvgSq[i] = v;
    if (maxExpAvgSq) {
      v = Math.max(maxExpAvgSq[i], Math.fround(v));
      maxExpAvgSq[i] = v;
    }
    p[i] = pi - (stepSize * m) / (Math.sqrt(v) / bc2Sqrt + eps);
  }
}

/** The step's scalars, shared by Adam and AdamW: the bias corrections for step t. */
export function adamConstants(
  lr: number,
  betas: readonly number[],
  eps: number,
  step: number,
  maximize: boolean,
): Pick<AdamConstants, 'beta1' | 'beta2' | 'stepSize' | 'bc2Sqrt' | 'eps' | 'maximize'> {
  const [beta1, beta2] = betas;
  return {
    beta1,
    beta2,
    stepSize: lr / (1 - beta1 ** step),
    bc2Sqrt: Math.sqrt(1 - beta2 ** step),
    eps,
    maximize,
  };
}

/** Adam's and AdamW's device step: gpu/optim_adam.wgsl with the decay each applies. */
export function adamDevice(
  decays: (lr: number, h: AdamHyperparams) => Pick<AdamConstants, 'weightDecay' | 'decay'>,
): DeviceUpdate<AdamHyperparams> {
  return {
    kernel: (h) => ({ name: 'optim_adam', defines: { AMSGRAD: h.amsgrad ? 1 : 0 } }),
    buffers: (h) => (h.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']),
    scalars(step, lr, h) {
      const k = adamConstants(lr, h.betas, h.eps, step, h.maximize);
      const { weightDecay, decay } = decays(lr, h);
      return {
        floats: [k.beta1, k.beta2, k.stepSize, k.bc2Sqrt, k.eps, weightDecay, decay],
        flags: h.maximize ? 1 : 0,
      };
    },
  };
}

export const Adam: OptimizerDef<AdamHyperparams> = {
  name: 'Adam',
  pytorchClass: 'torch.optim.Adam',
  doc: 'Adaptive moments: momentum on the gradient, scaled by a running RMS, both bias-corrected.',
  formula: 'g ← g + λp;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr·m̂/(√v̂ + ε)',
  hyperparams: {
    lr: lrSpec(1e-3),
    betas: betasSpec(0.9, 0.999),
    eps: epsSpec(1e-8, 'added after √v̂'),
    weight_decay: weightDecaySpec,
    amsgrad: { kind: 'boolean', default: false, doc: 'use the running maximum of v (AMSGrad)' },
    maximize: maximizeSpec,
  },
  momentum: 'betas',
  initState: (size, h) =>
    buffers(size, h.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']),
  update(p, g, s, lr, h) {
    const b = s.buffers;
    adamKernel(p, g, b.exp_avg, b.exp_avg_sq, h.amsgrad ? b.max_exp_avg_sq : undefined, {
      ...adamConstants(lr, h.betas, h.eps, s.step, h.maximize),
      weightDecay: h.weight_decay,
      decay: 1,
    });
  },
  device: adamDevice((_lr, h) => ({ weightDecay: h.weight_decay, decay: 1 })),
};
