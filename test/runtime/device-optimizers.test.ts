import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/engine/backend.ts';
import { createNodeWebGPUBackend } from '../../src/engine/backends/webgpu/node.ts';
import { type UpdatingBackend, DeviceOptimizer } from '../../src/engine/runtime/optimizers/device.ts';
import { createOptimizer } from '../../src/engine/runtime/optimizers/index.ts';
import { param } from '../../src/engine/runtime/params.ts';

/**
 * Each optimizer's device kernel against its host step, over more steps and variants than the
 * reference cases reach (RAdam's rectified branch from step 6 on, Yogi, AMSGrad, Nesterov,
 * maximize, exact-zero gradients): the same rule, float32 rounding apart.
 */
const variants: [string, Record<string, unknown>][] = [
  ['SGD', { lr: 0.1 }],
  ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.01 }],
  ['SGD', { lr: 0.1, momentum: 0.5, dampening: 0.3, maximize: true }],
  ['Adam', { lr: 0.01, amsgrad: true, weight_decay: 0.01 }],
  ['AdamW', { lr: 0.01, betas: [0.8, 0.99] }],
  ['Adagrad', { lr: 0.5, lr_decay: 0.01, initial_accumulator_value: 0.1 }],
  ['Adagrad', { lr: 0.1, weight_decay: 0.1, eps: 1e-8, maximize: true }],
  ['RMSprop', { lr: 0.01, alpha: 0.9, weight_decay: 0.01 }],
  ['RMSprop', { lr: 0.01, momentum: 0.9, maximize: true }],
  ['RMSprop', { lr: 0.01, centered: true, momentum: 0.5 }],
  ['Adadelta', { lr: 1.0, rho: 0.9, eps: 1e-4, weight_decay: 0.1 }],
  ['RAdam', { lr: 0.05, betas: [0.8, 0.99] }],
  ['RAdam', { lr: 0.1, betas: [0.5, 0.9], weight_decay: 0.1 }],
  ['Yogi', { lr: 0.01 }],
  ['Yogi', { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6 }],
];
const SIZE = 1000;
const STEPS = 12;

let gpu: Backend | null = null;
beforeAll(async () => {
  const made = await createNodeWebGPUBackend();
  gpu = made.backend;
  if (!gpu) console.warn(`\n!!!!! DEVICE OPTIMIZER TESTS SKIPPED: ${made.reason}.\n`);
});

function values(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  };
}

describe('optimizer steps on the device', () => {
  it.each(variants)('%s %j steps as on the host', async (name, h) => {
    if (!gpu) return;
    const backend = gpu as UpdatingBackend;
    const rand = values(name.length * 31 + Object.keys(h).length);
    const init = Float32Array.from({ length: SIZE }, rand);
    const onHost = param('w', [SIZE], init);
    const host = createOptimizer(name, [onHost], h);
    const mirror = createOptimizer(name, [onHost], h);
    const device = new DeviceOptimizer(mirror, backend);
    const p = backend.upload(init, [SIZE], 'float32');
    for (let t = 0; t < STEPS; t++) {
      // every 97th gradient exactly zero: sign(0) and empty updates
      const g = Float32Array.from({ length: SIZE }, (_, i) => (i % 97 === 0 ? 0 : rand()));
      host.step([onHost], [g]);
      const gt = backend.upload(g, [SIZE], 'float32');
      device.step([p], [gt]);
      gt.dispose();
    }
    const got = await p.data();
    for (let i = 0; i < SIZE; i++) {
      expect(Math.abs(got[i] - onHost.data[i]), `p[${i}]`).toBeLessThan(
        1e-5 + 1e-4 * Math.abs(onHost.data[i]),
      );
    }
    await device.download();
    expect(mirror.state.params[0].step).toBe(STEPS);
    for (const [k, want] of Object.entries(host.state.params[0].buffers)) {
      const have = mirror.state.params[0].buffers[k];
      expect(have, k).toBeDefined();
      for (let i = 0; i < SIZE; i++)
        expect(Math.abs(have[i] - want[i]), `${k}[${i}]`).toBeLessThan(1e-5 + 1e-4 * Math.abs(want[i]));
    }
    p.dispose();
  });
});
