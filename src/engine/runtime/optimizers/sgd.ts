import { AttrError } from '../../errors.ts';
import { lrSpec, maximizeSpec, type OptimizerDef, weightDecaySpec } from './optimizer.ts';

export interface SgdHyperparams {
  lr: number;
  momentum: number;
  dampening: number;
  weight_decay: number;
  nesterov: boolean;
  maximize: boolean;
}

export interface SgdConstants {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /** the buffer was just created: PyTorch sets it to the raw (decayed) gradient, no dampening */
  firstStep: boolean;
}

/**
 * PyTorch 1.13 `_single_tensor_sgd`, per element:
 * d = g + wd·p; b = first ? d : μ·b + (1−τ)·d; d = nesterov ? d + μ·b : b; p −= lr·d.
 */
export function sgdKernel(
  p: Float32Array,
  g: Float32Array,
  buf: Float32Array | undefined,
  k: SgdConstants,
): void {
  const { lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep } = k;
  for (let i = 0; i < p.length; i++) {
    let d = maximize ? -g[i] : g[i];
    if (weightDecay !== 0) d += weightDecay * p[i];
    if (buf) {
      const b = firstStep ? d : momentum * buf[i] + (1 - dampening) * d;
      buf[i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] -= lr * d;
  }
}

export const SGD: OptimizerDef<SgdHyperparams> = {
  name: 'SGD',
  pytorchClass: 'torch.optim.SGD',
  doc: 'Stochastic gradient descent, with optional (Nesterov) momentum and L2 weight decay.',
  formula: 'g ← g + λp;  b ← μb + (1−τ)g (b₁ = g);  p ← p − lr·(nesterov ? g + μb : b)',
  hyperparams: {
    lr: lrSpec(0.01, 'learning rate (PyTorch requires it; 0.01 is only a starting value)'),
    momentum: { kind: 'number', default: 0, min: 0, doc: 'momentum factor μ (0: plain SGD)' },
    dampening: { kind: 'number', default: 0, doc: 'dampening τ of the momentum: b ← μb + (1−τ)g' },
    weight_decay: weightDecaySpec,
    nesterov: { kind: 'boolean', default: false, doc: 'Nesterov momentum (needs momentum > 0, dampening 0)' },
    maximize: maximizeSpec,
  },
  momentum: 'momentum',
  check(h) {
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new AttrError(
        'SGD',
        'nesterov',
        `requires momentum > 0 and dampening = 0, got momentum ${h.momentum} and dampening ${h.dampening}`,
      );
    }
  },
  initState: () => ({}),
  update(p, g, s, lr, h) {
    // PyTorch creates the buffer lazily on the first step with momentum (momentum may be
    // switched on later, e.g. by OneCycleLR).
    let firstStep = false;
    if (h.momentum !== 0 && !s.buffers.momentum_buffer) {
      s.buffers.momentum_buffer = new Float32Array(p.length);
      firstStep = true;
    }
    sgdKernel(p, g, h.momentum !== 0 ? s.buffers.momentum_buffer : undefined, {
      lr,
      momentum: h.momentum,
      dampening: h.dampening,
      weightDecay: h.weight_decay,
      nesterov: h.nesterov,
      maximize: h.maximize,
      firstStep,
    });
  },
  device: {
    kernel: (h) => ({ name: 'optim_sgd', defines: { MOMENTUM: h.momentum !== 0 ? 1 : 0 } }),
    buffers: (h) => (h.momentum !== 0 ? ['momentum_buffer'] : []),
    scalars: (_step, lr, h, fresh) => ({
      floats: [lr, h.momentum, h.dampening, h.weight_decay],
      flags: (h.nesterov ? 1 : 0) | (h.maximize ? 2 : 0) | (fresh ? 4 : 0),
    }),
  },
};
