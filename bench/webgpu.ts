/**
 * WebGPU section: our WebGPU backend against @tensorflow/tfjs-backend-webgpu, both on the same
 * adapter through the `webgpu` package (Dawn) in Node, runs alternating between the two. Every
 * timed run ends with a read of the result, so queued GPU work is counted.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WebGPUBackend } from '../src/engine/backends/webgpu/index.ts';
import { BackwardPass, noGrad, Rng, run, type Tensor, tensor } from '../src/engine/index.ts';
import type { BenchSection, BenchTable } from './measure.ts';

type Tf = typeof import('@tensorflow/tfjs-core');

const rng = new Rng(7);
const randoms = (n: number, bound = 1) => rng.fillUniform(new Float32Array(n), -bound, bound);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median ms of each async contender, alternating after a warm-up (pipelines compile then). */
async function compareAsync(
  contenders: (() => Promise<void>)[],
  warmup: number,
  runs: number,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) for (const f of contenders) await f();
  const times = contenders.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    for (const [i, f] of contenders.entries()) {
      const t0 = performance.now();
      await f();
      times[i].push(performance.now() - t0);
    }
  }
  return times.map(median);
}

/**
 * tfjs-core's Node bundle has no gradients registered (bench/cpu.ts explains why); register
 * each config of dist/gradients/ the same way it does.
 */
async function registerTfjsGradients(tf: Tf): Promise<void> {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json')),
    'dist/gradients',
  );
  for (const file of readdirSync(dir).filter((f) => f.endsWith('_grad.js'))) {
    const module: Record<string, unknown> | null = await import(pathToFileURL(join(dir, file)).href).catch(
      () => null,
    );
    for (const config of Object.values(module ?? {})) {
      const c = config as { kernelName?: string; gradFunc?: unknown };
      if (c?.kernelName && c.gradFunc && !tf.getGradient(c.kernelName)) tf.registerGradient(c as never);
    }
  }
}

interface Case {
  name: string;
  ours: () => Promise<void>;
  tfjs: () => Promise<void>;
  runs: number;
}

function matmulCase(gpu: WebGPUBackend, tf: Tf, n: number, runs: number): Case {
  const a = tensor(randoms(n * n), [n, n], 'float32', gpu);
  const b = tensor(randoms(n * n), [n, n], 'float32', gpu);
  const [ta, tb] = [tf.tensor2d(randoms(n * n), [n, n]), tf.tensor2d(randoms(n * n), [n, n])];
  return {
    name: `matmul ${n}×${n} · ${n}×${n}`,
    ours: async () => {
      const c = run('matmul', [a, b]);
      await c.data();
      c.dispose();
    },
    tfjs: async () => {
      const c = tf.matMul(ta, tb);
      await c.data();
      c.dispose();
    },
    runs,
  };
}

/** One SGD step of a 784-256-10 ReLU MLP with cross-entropy on a batch of 64, loss read back. */
function mlpCase(gpu: WebGPUBackend, tf: Tf): Case {
  const [B, I, H, O] = [64, 784, 256, 10];
  const labels = Array.from({ length: B }, (_, i) => i % O);
  const x = tensor(randoms(B * I), [B, I], 'float32', gpu);
  const y = tensor(labels, [B], 'int32', gpu);
  const lr = tensor([0.01], [], 'float32', gpu);
  let params: Tensor[] = [
    tensor(randoms(H * I, 0.05), [H, I], 'float32', gpu),
    tensor(new Float32Array(H), [H], 'float32', gpu),
    tensor(randoms(O * H, 0.05), [O, H], 'float32', gpu),
    tensor(new Float32Array(O), [O], 'float32', gpu),
  ];
  const ourStep = async () => {
    const { loss, next } = gpu.scope(() => {
      for (const p of params) p.requireGrad();
      const [w1, b1, w2, b2] = params;
      const h = run('relu', [run('linear', [x, w1, b1])]);
      const loss = run('cross_entropy', [run('linear', [h, w2, b2]), y]);
      new BackwardPass(loss).run();
      const next = noGrad(() => params.map((p) => run('sub', [p, run('mul', [p.grad!, lr])])));
      for (const p of params) p.grad = null;
      return { loss, next };
    });
    for (const p of params) p.dispose();
    params = next;
    await loss.data();
    loss.dispose();
  };

  const tx = tf.tensor2d(randoms(B * I), [B, I]);
  const ty = tf.oneHot(tf.tensor1d(labels, 'int32'), O);
  const vars = [
    tf.variable(tf.tensor2d(randoms(I * H, 0.05), [I, H])),
    tf.variable(tf.zeros([H])),
    tf.variable(tf.tensor2d(randoms(H * O, 0.05), [H, O])),
    tf.variable(tf.zeros([O])),
  ];
  const optimizer = tf.train.sgd(0.01);
  const tfStep = async () => {
    const loss = optimizer.minimize(() => {
      const h = tf.relu(tf.add(tf.matMul(tx, vars[0]), vars[1]));
      const logits = tf.add(tf.matMul(h, vars[2]), vars[3]);
      return tf.losses.softmaxCrossEntropy(ty, logits) as ReturnType<Tf['scalar']>;
    }, true);
    await loss!.data();
    loss!.dispose();
  };
  return { name: `MLP ${I}-${H}-${O} train step, batch ${B}`, ours: ourStep, tfjs: tfStep, runs: 5 };
}

export const webgpuSection: BenchSection = {
  name: 'webgpu',
  async run(): Promise<BenchTable> {
    const title = 'WebGPU backend vs @tensorflow/tfjs-backend-webgpu (Node, Dawn)';
    const { createNodeWebGPUBackend } = await import('../src/engine/backends/webgpu/node.ts');
    const created = await createNodeWebGPUBackend();
    if (!created.backend) {
      return { title, columns: ['case'], rows: [], notes: [`skipped: ${created.reason}`] };
    }
    const gpu = created.backend;
    // tfjs-webgpu finds its adapter through navigator.gpu, as in a browser
    const { create } = await import('webgpu');
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
    await registerTfjsGradients(tf);
    if (!(await tf.setBackend('webgpu'))) {
      return {
        title,
        columns: ['case'],
        rows: [],
        notes: ['skipped: tfjs-backend-webgpu did not initialise'],
      };
    }
    const cases = [matmulCase(gpu, tf, 256, 7), matmulCase(gpu, tf, 1024, 3), mlpCase(gpu, tf)];
    const rows: string[][] = [];
    for (const c of cases) {
      const [ours, theirs] = await compareAsync([c.ours, c.tfjs], 2, c.runs);
      rows.push([c.name, ours.toFixed(1), theirs.toFixed(1), `${(theirs / ours).toFixed(2)}×`]);
    }
    return {
      title,
      columns: ['case', 'ours (ms)', 'tfjs-webgpu (ms)', 'speed-up'],
      rows,
      notes: [
        `adapter: ${gpu.adapterName}${/llvmpipe|lavapipe|swiftshader/i.test(gpu.adapterName) ? ' (a CPU emulation of a GPU: relative numbers only)' : ''}`,
        'median of alternating runs after 2 warm-up runs each; every run ends with `await data()`',
      ],
    };
  },
};
