import { betasSpec, buffers, epsSpec, lrSpec, type OptimizerDef } from './optimizer.ts';

export interface YogiHyperparams {
  lr: number;
  betas: [number, number];
  eps: number;
}

export interface YogiConstants {
  lr: number;
  beta1: number;
  beta2: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ */
  bc1: number;
  bc2: number;
  eps: number;
}

/**
 * D2L §12.10 `yogi`, per element: v ← β₁v + (1−β₁)g; s ← s + (1−β₂)·sign(g² − s)·g²;
 * p −= lr·(v/(1−β₁ᵗ)) / (√(s/(1−β₂ᵗ)) + ε). sign(0) = 0, as torch.sign.
 */
export function yogiKernel(
  p: Float32Array,
  g: Float32Array,
  v: Float32Array,
  s: Float32Array,
  k: YogiConstants,
): void {
  const { lr, beta1, beta2, bc1, bc2, eps } = k;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const g2 = gi * gi;
    const m = beta1 * v[i] + (1 - beta1) * gi;
    const sq = s[i] + (1 - beta2) * Math.sign(g2 - s[i]) * g2;
    v[i] = m;
    s[i] = sq;
    p[i] -= (lr * (m / bc1)) / (Math.sqrt(sq / bc2) + eps);
  }
}

/** The scalars of step t (counting from 1): the bias corrections. */
function yogiConstants(lr: number, h: YogiHyperparams, step: number): YogiConstants {
  const [beta1, beta2] = h.betas;
  return { lr, beta1, beta2, bc1: 1 - beta1 ** step, bc2: 1 - beta2 ** step, eps: h.eps };
}

export const Yogi: OptimizerDef<YogiHyperparams> = {
  name: 'Yogi',
  pytorchClass: 'd2l yogi (D2L §12.10)',
  doc: 'Adam with an additive second-moment update, so s cannot grow too fast when gradients are sparse (D2L).',
  formula: 'v ← β₁v + (1−β₁)g;  s ← s + (1−β₂)·sign(g² − s)·g²;  p ← p − lr·v̂/(√ŝ + ε)',
  hyperparams: {
    lr: lrSpec(0.01),
    betas: betasSpec(0.9, 0.999),
    eps: epsSpec(1e-3, 'added after √ŝ (D2L uses 1e-3)'),
  },
  momentum: 'betas',
  initState: (size) => buffers(size, ['v', 's']),
  update(p, g, s, lr, h) {
    yogiKernel(p, g, s.buffers.v, s.buffers.s, yogiConstants(lr, h, s.step));
  },
  device: {
    kernel: () => ({ name: 'optim_yogi', defines: {} }),
    buffers: () => ['v', 's'],
    scalars(step, lr, h) {
      const k = yogiConstants(lr, h, step);
      return { floats: [k.lr, k.beta1, k.beta2, k.bc1, k.bc2, k.eps], flags: 0 };
    },
  },
};
