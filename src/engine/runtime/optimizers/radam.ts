import { betasSpec, buffers, epsSpec, lrSpec, type OptimizerDef, weightDecaySpec } from './optimizer.ts';

export interface RadamHyperparams {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
}

export interface RadamConstants {
  beta1: number;
  beta2: number;
  /** lr / (1 − β₁ᵗ): the step on the bias-corrected momentum */
  stepSize: number;
  /** r_t·√(1 − β₂ᵗ) when rectified (ρ_t > 5), else 0: then the step is plain momentum SGD */
  adaptiveScale: number;
  eps: number;
  weightDecay: number;
}

/**
 * PyTorch 1.13 `_single_tensor_radam`, per element: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * rectified: p −= stepSize·m·r_t·√(1−β₂ᵗ)/(√v + ε) (eps before the bias correction, as PyTorch);
 * otherwise p −= stepSize·m.
 */
export function radamKernel(
  p: Float32Array,
  g: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  k: RadamConstants,
): void {
  const { beta1, beta2, stepSize, adaptiveScale, eps, weightDecay } = k;
  for (let i = 0; i < p.length; i++) {
    const d = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
    const m = beta1 * expAvg[i] + (1 - beta1) * d;
    const v = beta2 * expAvgSq[i] + (1 - beta2) * d * d;
    expAvg[i] = m;
    expAvgSq[i] = v;
    p[i] -= adaptiveScale === 0 ? stepSize * m : (stepSize * m * adaptiveScale) / (Math.sqrt(v) + eps);
  }
}

/** ρ∞ = 2/(1−β₂) − 1, ρ_t = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ); rectify when ρ_t > 5 with r_t = √((ρ_t−4)(ρ_t−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρ_t)). */
export function radamRectification(beta2: number, step: number): number | null {
  const bc2 = 1 - beta2 ** step;
  const rhoInf = 2 / (1 - beta2) - 1;
  const rhoT = rhoInf - (2 * step * beta2 ** step) / bc2;
  if (!(rhoT > 5)) return null;
  return Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
}

/** The scalars of step t (counting from 1): the momentum's bias correction and the rectification. */
function radamConstants(lr: number, h: RadamHyperparams, step: number): RadamConstants {
  const [beta1, beta2] = h.betas;
  const rect = radamRectification(beta2, step);
  return {
    beta1,
    beta2,
    stepSize: lr / (1 - beta1 ** step),
    adaptiveScale: rect === null ? 0 : rect * Math.sqrt(1 - beta2 ** step),
    eps: h.eps,
    weightDecay: h.weight_decay,
  };
}

export const RAdam: OptimizerDef<RadamHyperparams> = {
  name: 'RAdam',
  pytorchClass: 'torch.optim.RAdam',
  doc: 'Rectified Adam: plain momentum steps until the variance estimate is reliable (ρ_t > 5), then rectified Adam steps.',
  formula: 'm̂ = m/(1−β₁ᵗ);  ρ_t > 5 ? p ← p − lr·m̂·r_t·√(1−β₂ᵗ)/(√v + ε) : p ← p − lr·m̂',
  hyperparams: {
    lr: lrSpec(1e-3),
    betas: betasSpec(0.9, 0.999),
    eps: epsSpec(1e-8, 'added to √v'),
    weight_decay: weightDecaySpec,
  },
  momentum: 'betas',
  initState: (size) => buffers(size, ['exp_avg', 'exp_avg_sq']),
  update(p, g, s, lr, h) {
    radamKernel(p, g, s.buffers.exp_avg, s.buffers.exp_avg_sq, radamConstants(lr, h, s.step));
  },
  device: {
    kernel: () => ({ name: 'optim_radam', defines: {} }),
    buffers: () => ['exp_avg', 'exp_avg_sq'],
    scalars(step, lr, h) {
      const k = radamConstants(lr, h, step);
      // the ρ_t branch is per step, so the host decides it: one kernel for both kinds of step
      return {
        floats: [k.beta1, k.beta2, k.stepSize, k.adaptiveScale, k.eps, k.weightDecay],
        flags: k.adaptiveScale === 0 ? 0 : 1,
      };
    },
  },
};
