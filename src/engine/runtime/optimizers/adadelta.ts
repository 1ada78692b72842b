import { buffers, epsSpec, lrSpec, maximizeSpec, type OptimizerDef, weightDecaySpec } from './optimizer.ts';

export interface AdadeltaHyperparams {
  lr: number;
  rho: number;
  eps: number;
  weight_decay: number;
  maximize: boolean;
}

export interface AdadeltaConstants {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * PyTorch 1.13 `_single_tensor_adadelta`, per element (eps inside both roots):
 * v ← ρv + (1−ρ)g²; Δ = √(u + ε)/√(v + ε)·g; u ← ρu + (1−ρ)Δ²; p −= lr·Δ.
 */
export function adadeltaKernel(
  p: Float32Array,
  g: Float32Array,
  squareAvg: Float32Array,
  accDelta: Float32Array,
  k: AdadeltaConstants,
): void {
  const { lr, rho, eps, weightDecay, maximize } = k;
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i] : g[i];
    if (weightDecay !== 0) d += weightDecay * p[i];
    const v = rho * squareAvg[i] + (1 - rho) * d * d;
    squareAvg[i] = v;
    const delta = (Math.sqrt(accDelta[i] + eps) / Math.sqrt(v + eps)) * d;
    accDelta[i] = rho * accDelta[i] + (1 - rho) * delta * delta;
    p[i] -= lr * delta;
  }
}

export const Adadelta: OptimizerDef<AdadeltaHyperparams> = {
  name: 'Adadelta',
  pytorchClass: 'torch.optim.Adadelta',
  doc: 'Scales each step by the ratio of running RMS of past updates to running RMS of gradients.',
  formula: 'g ← g + λp;  v ← ρv + (1−ρ)g²;  Δ = √(u+ε)/√(v+ε)·g;  u ← ρu + (1−ρ)Δ²;  p ← p − lr·Δ',
  hyperparams: {
    lr: lrSpec(1.0, 'scale applied to the update Δ'),
    rho: { kind: 'number', default: 0.9, min: 0, max: 1, doc: 'decay ρ of the running averages' },
    eps: epsSpec(1e-6, 'added inside both square roots'),
    weight_decay: weightDecaySpec,
    maximize: maximizeSpec,
  },
  initState: (size) => buffers(size, ['square_avg', 'acc_delta']),
  update(p, g, s, lr, h) {
    adadeltaKernel(p, g, s.buffers.square_avg, s.buffers.acc_delta, {
      lr,
      rho: h.rho,
      eps: h.eps,
      weightDecay: h.weight_decay,
      maximize: h.maximize,
    });
  },
  device: {
    kernel: () => ({ name: 'optim_adadelta', defines: {} }),
    buffers: () => ['square_avg', 'acc_delta'],
    scalars: (_step, lr, h) => ({
      floats: [lr, h.rho, h.eps, h.weight_decay],
      flags: h.maximize ? 1 : 0,
    }),
  },
};
