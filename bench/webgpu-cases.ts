/**
 * The WebGPU benchmark cases, ours against @tensorflow/tfjs-backend-webgpu on the same device,
 * written once for both places they run: Node through Dawn (bench/webgpu.ts) and headless
 * Chromium (bench/browser/webgpu.ts). Nothing here touches Node or the DOM; the caller hands
 * in our backend and a tfjs whose webgpu backend is set (gradients registered).
 *
 * Every timed run ends with a read of a result, so queued GPU work is counted.
 */
import type { WebGPUBackend } from '../src/engine/backends/webgpu/index.ts';
import { BackwardPass, noGrad, Rng, run, type Tensor, tensor } from '../src/engine/index.ts';
import type { Trainer } from '../src/engine/runtime/train.ts';
import { loadDocument } from '../src/graph/schema.ts';
import { catalog } from '../src/nodes/index.ts';
import { loadMnist } from '../src/nodes/sources/mnist.ts';
import { openTrainingSession, withDatasetForInputs } from '../src/training/session.ts';

export type Tf = typeof import('@tensorflow/tfjs-core');

export interface GpuCase {
  name: string;
  /** floating-point operations of one run (for our GFLOPS) */
  flops: number;
  /** samples one run trains on (training rows: samples/s) */
  samples?: number;
  /** optimizer steps one run takes (training rows) */
  steps?: number;
  ours: () => Promise<void>;
  tfjs: () => Promise<void>;
  warmup: number;
  runs: number;
}

export interface CaseResult {
  name: string;
  oursMs: number;
  tfjsMs: number;
  flops: number;
  samples?: number;
  steps?: number;
}

const rng = new Rng(7);
const randoms = (n: number, bound = 1) => rng.fillUniform(new Float32Array(n), -bound, bound);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median ms of ours and tfjs, runs alternating after the warm-up (pipelines compile then). */
export async function measure(c: GpuCase): Promise<CaseResult> {
  for (let i = 0; i < c.warmup; i++) {
    await c.ours();
    await c.tfjs();
  }
  const times: [number[], number[]] = [[], []];
  for (let r = 0; r < c.runs; r++) {
    for (const [i, f] of [c.ours, c.tfjs].entries()) {
      const t0 = performance.now();
      await f();
      times[i].push(performance.now() - t0);
    }
  }
  return {
    name: c.name,
    oursMs: median(times[0]),
    tfjsMs: median(times[1]),
    flops: c.flops,
    samples: c.samples,
    steps: c.steps,
  };
}

/** Table rows: ours ms, tfjs ms, speed-up (tfjs / ours), our GFLOPS, samples/s both ways. */
export function resultRow(r: CaseResult): string[] {
  const rate = (ms: number) => Math.round((r.samples! * 1000) / ms).toLocaleString('en-US');
  return [
    r.name,
    r.oursMs.toFixed(1),
    r.tfjsMs.toFixed(1),
    `${(r.tfjsMs / r.oursMs).toFixed(2)}×`,
    (r.flops / r.oursMs / 1e6).toFixed(2),
    r.samples ? `${rate(r.oursMs)} / ${rate(r.tfjsMs)}` : '',
  ];
}

export const RESULT_COLUMNS = [
  'case',
  'ours (ms)',
  'tfjs-webgpu (ms)',
  'speed-up',
  'our GFLOPS',
  'samples/s ours / tfjs',
];

const gpuTensor = (gpu: WebGPUBackend, shape: number[], bound = 1) =>
  tensor(
    randoms(
      shape.reduce((a, b) => a * b, 1),
      bound,
    ),
    shape,
    'float32',
    gpu,
  );

export function matmulCase(gpu: WebGPUBackend, tf: Tf, n: number, runs: number, warmup = 1): GpuCase {
  const a = gpuTensor(gpu, [n, n]);
  const b = gpuTensor(gpu, [n, n]);
  const [ta, tb] = [tf.tensor2d(randoms(n * n), [n, n]), tf.tensor2d(randoms(n * n), [n, n])];
  return {
    name: `matmul ${n}×${n} · ${n}×${n}`,
    flops: 2 * n ** 3,
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
    warmup,
    runs,
  };
}

/** conv2d 3×3, padding 1: ours NCHW with [O, C, 3, 3] weights, tfjs in its native NHWC / HWIO. */
export function convCase(
  gpu: WebGPUBackend,
  tf: Tf,
  [N, C, O, H, W]: [number, number, number, number, number],
  runs: number,
): GpuCase {
  const x = gpuTensor(gpu, [N, C, H, W]);
  const w = gpuTensor(gpu, [O, C, 3, 3], 0.1);
  const tx = tf.tensor4d(randoms(N * H * W * C), [N, H, W, C]);
  const tw = tf.tensor4d(randoms(9 * C * O, 0.1), [3, 3, C, O]);
  return {
    name: `conv2d N=${N}, ${C}→${O}, ${H}×${W}, 3×3`,
    flops: 2 * N * O * H * W * C * 9,
    ours: async () => {
      const y = run('conv2d', [x, w, null], { padding: 1 });
      await y.data();
      y.dispose();
    },
    tfjs: async () => {
      const y = tf.conv2d(tx, tw, 1, 'same');
      await y.data();
      y.dispose();
    },
    warmup: 1,
    runs,
  };
}

/** SGD with momentum on our tensors, as torch.optim.SGD: v ← μv + g, p ← p − lr·v. */
function sgdMomentum(gpu: WebGPUBackend, lr: number, momentum: number) {
  const lrT = tensor([lr], [], 'float32', gpu);
  const muT = tensor([momentum], [], 'float32', gpu);
  let velocity: Tensor[] | null = null;
  return (params: Tensor[], grads: Tensor[]): Tensor[] => {
    const v = grads.map((g, i) => (velocity ? run('add', [run('mul', [velocity[i], muT]), g]) : g));
    const next = params.map((p, i) => run('sub', [p, run('mul', [v[i], lrT])]));
    for (const old of velocity ?? []) old.dispose();
    velocity = v.map((t) => gpu.keep(t));
    return next;
  };
}

/**
 * One training step of an MLP (ReLU between Linear layers, cross-entropy on class indices),
 * SGD momentum 0.9, weights and optimizer state staying on the GPU; the loss is read back.
 */
export function mlpStepCase(
  gpu: WebGPUBackend,
  tf: Tf,
  sizes: number[],
  batch: number,
  runs: number,
): GpuCase {
  const [I, O] = [sizes[0], sizes[sizes.length - 1]];
  const labels = Array.from({ length: batch }, (_, i) => i % O);
  const layers = sizes.slice(1).map((out, l) => [sizes[l], out] as const);
  const x = gpuTensor(gpu, [batch, I]);
  const y = tensor(labels, [batch], 'int32', gpu);
  let params: Tensor[] = layers.flatMap(([inF, outF]) => [
    gpuTensor(gpu, [outF, inF], 1 / Math.sqrt(inF)),
    tensor(new Float32Array(outF), [outF], 'float32', gpu),
  ]);
  const update = sgdMomentum(gpu, 0.01, 0.9);
  const ours = async () => {
    const { loss, next } = gpu.scope(() => {
      for (const p of params) p.requireGrad();
      let h = x;
      for (let l = 0; l < layers.length; l++) {
        h = run('linear', [h, params[2 * l], params[2 * l + 1]]);
        if (l < layers.length - 1) h = run('relu', [h]);
      }
      const loss = run('cross_entropy', [h, y]);
      new BackwardPass(loss).run();
      const next = noGrad(() =>
        update(
          params,
          params.map((p) => p.grad!),
        ),
      );
      for (const p of params) p.grad = null;
      return { loss, next };
    });
    for (const p of params) p.dispose();
    params = next;
    await loss.data();
    loss.dispose();
  };

  const tx = tf.tensor2d(randoms(batch * I), [batch, I]);
  const ty = tf.oneHot(tf.tensor1d(labels, 'int32'), O);
  const vars = layers.flatMap(([inF, outF]) => [
    tf.variable(tf.tensor2d(randoms(inF * outF, 1 / Math.sqrt(inF)), [inF, outF])),
    tf.variable(tf.zeros([outF])),
  ]);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const tfjs = async () => {
    const loss = optimizer.minimize(() => {
      let h: ReturnType<Tf['matMul']> = tx;
      for (let l = 0; l < layers.length; l++) {
        h = tf.add(tf.matMul(h, vars[2 * l]), vars[2 * l + 1]);
        if (l < layers.length - 1) h = tf.relu(h);
      }
      return tf.losses.softmaxCrossEntropy(ty, h) as ReturnType<Tf['scalar']>;
    }, true);
    await loss!.data();
    loss!.dispose();
  };
  const macs = layers.reduce((s, [i, o]) => s + i * o, 0) * batch;
  return {
    name: `MLP ${sizes.join('-')} train step, batch ${batch}`,
    // forward, and backward's two products per layer
    flops: 6 * macs,
    samples: batch,
    steps: 1,
    ours,
    tfjs,
    warmup: 2,
    runs,
  };
}

/**
 * A ResNet basic block, forward and backward: conv3×3 → BatchNorm (batch statistics) → ReLU →
 * conv3×3 → BatchNorm → + x → ReLU, loss = mean; gradients of x and of every weight.
 */
export function resnetBlockCase(
  gpu: WebGPUBackend,
  tf: Tf,
  N: number,
  C: number,
  S: number,
  runs: number,
): GpuCase {
  const x = gpuTensor(gpu, [N, C, S, S]);
  const w1 = gpuTensor(gpu, [C, C, 3, 3], 0.05);
  const w2 = gpuTensor(gpu, [C, C, 3, 3], 0.05);
  const ones = () => tensor(new Float32Array(C).fill(1), [C], 'float32', gpu);
  const zeros = () => tensor(new Float32Array(C), [C], 'float32', gpu);
  const [g1, b1, g2, b2] = [ones(), zeros(), ones(), zeros()];
  const [m1, v1, m2, v2] = [zeros(), ones(), zeros(), ones()];
  const leaves = [x, w1, w2, g1, b1, g2, b2];
  const ours = async () => {
    const grads = gpu.scope(() => {
      for (const t of leaves) t.requireGrad();
      const bn = (h: Tensor, g: Tensor, b: Tensor, m: Tensor, v: Tensor) =>
        run('batch_norm', [h, g, b, m, v], { training: true });
      let h = run('conv2d', [x, w1, null], { padding: 1 });
      h = run('relu', [bn(h, g1, b1, m1, v1)]);
      h = bn(run('conv2d', [h, w2, null], { padding: 1 }), g2, b2, m2, v2);
      const loss = run('mean', [run('relu', [run('add', [h, x])])]);
      new BackwardPass(loss).run();
      const grads = leaves.map((t) => t.grad!);
      for (const t of leaves) t.grad = null;
      return grads;
    });
    await grads[0].data();
    for (const g of grads) g.dispose();
  };

  const tx = tf.variable(tf.tensor4d(randoms(N * S * S * C), [N, S, S, C]));
  const filter = () => tf.variable(tf.tensor4d(randoms(9 * C * C, 0.05), [3, 3, C, C]));
  const [tw1, tw2] = [filter(), filter()];
  const [tg1, tb1, tg2, tb2] = [tf.ones([C]), tf.zeros([C]), tf.ones([C]), tf.zeros([C])].map((t) =>
    tf.variable(t),
  );
  const tfjs = async () => {
    const { grads, value } = tf.variableGrads(() => {
      const bn = (h: ReturnType<Tf['conv2d']>, g: typeof tg1, b: typeof tb1): ReturnType<Tf['conv2d']> => {
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        return tf.batchNorm(h, mean, variance, b, g, 1e-5) as ReturnType<Tf['conv2d']>;
      };
      let h = tf.relu(bn(tf.conv2d(tx, tw1, 1, 'same'), tg1, tb1));
      h = bn(tf.conv2d(h, tw2, 1, 'same'), tg2, tb2);
      return tf.mean(tf.relu(tf.add(h, tx))) as ReturnType<Tf['scalar']>;
    });
    const all = Object.values(grads);
    await all[0].data();
    tf.dispose([...all, value]);
  };
  const convFlops = 2 * N * C * C * 9 * S * S;
  return {
    name: `ResNet basic block fwd+bwd, N=${N}, ${C} ch, ${S}×${S}`,
    // two convs, each forward, data gradient and weight gradient
    flops: 6 * convFlops,
    ours,
    tfjs,
    warmup: 1,
    runs,
  };
}

/** MNIST as arrays: 28×28 images in [0, 1] and labels, the training split. */
export interface MnistArrays {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export type TfModel = 'mlp' | 'lenet';

/** The MNIST training split as flat arrays (what the tfjs side trains on). */
export async function mnistArrays(): Promise<MnistArrays> {
  const { train } = await loadMnist();
  const x = train.x.data as Float32Array;
  return { x, y: train.y.data as Int32Array, count: x.length / 784 };
}

/**
 * A template (JSON text) trained on MNIST through the runtime the editor and the CLI use; the
 * MLP template has no optimizer node and gets the acceptance recipe's SGD momentum 0.9, lr 0.1.
 */
export async function mnistTrainer(template: string, gpu: WebGPUBackend): Promise<Trainer> {
  const loaded = loadDocument(template, catalog);
  if (!loaded.ok) throw new Error(loaded.errors[0].message);
  const doc = withDatasetForInputs(loaded.doc, catalog, 'MNIST', {});
  const { trainer } = await openTrainingSession(doc, {
    catalog,
    backend: gpu,
    config: {
      epochs: 1000,
      validate: false,
      optimizer: { name: 'SGD', hyperparams: { lr: 0.1, momentum: 0.9 } },
    },
  });
  return trainer;
}

/**
 * tfjs's side of "samples/s training on MNIST": the same model and optimizer as our template,
 * batches taken in order from the same data, each step uploading its batch and reading the
 * loss (as our Trainer does).
 */
function tfjsTrainer(tf: Tf, model: TfModel, data: MnistArrays, batch: number) {
  const param = (shape: number[], fanIn: number) =>
    tf.variable(
      tf.tensor(
        randoms(
          shape.reduce((a, b) => a * b, 1),
          1 / Math.sqrt(fanIn),
        ),
        shape,
      ),
    );
  const vars =
    model === 'mlp'
      ? [
          param([784, 128], 784),
          param([128], 784),
          param([128, 64], 128),
          param([64], 128),
          param([64, 10], 64),
          param([10], 64),
        ]
      : [
          param([5, 5, 1, 6], 25),
          param([6], 25),
          param([5, 5, 6, 16], 150),
          param([16], 150),
          param([400, 120], 400),
          param([120], 400),
          param([120, 84], 120),
          param([84], 120),
          param([84, 10], 84),
          param([10], 84),
        ];
  const optimizer = model === 'mlp' ? tf.train.momentum(0.1, 0.9) : tf.train.sgd(0.1);
  const forward = (x: ReturnType<Tf['tensor']>) => {
    if (model === 'mlp') {
      let h = tf.relu(tf.add(tf.matMul(tf.reshape(x, [batch, 784]), vars[0]), vars[1]));
      h = tf.relu(tf.add(tf.matMul(h, vars[2]), vars[3]));
      return tf.add(tf.matMul(h, vars[4]), vars[5]);
    }
    // LeNet (d2l): sigmoid convs and average pools; NHWC, which one channel makes the same bytes as NCHW
    let h = tf.sigmoid(
      tf.add(tf.conv2d(tf.reshape(x, [batch, 28, 28, 1]) as never, vars[0] as never, 1, 'same'), vars[1]),
    );
    h = tf.avgPool(h as never, 2, 2, 'valid');
    h = tf.sigmoid(tf.add(tf.conv2d(h as never, vars[2] as never, 1, 'valid'), vars[3]));
    h = tf.reshape(tf.avgPool(h as never, 2, 2, 'valid'), [batch, 400]);
    h = tf.sigmoid(tf.add(tf.matMul(h, vars[4]), vars[5]));
    h = tf.sigmoid(tf.add(tf.matMul(h, vars[6]), vars[7]));
    return tf.add(tf.matMul(h, vars[8]), vars[9]);
  };
  let next = 0;
  return async () => {
    if ((next + 1) * batch > data.count) next = 0;
    const at = next++ * batch;
    const x = tf.tensor(data.x.subarray(at * 784, (at + batch) * 784), [batch, 784]);
    const y = tf.oneHot(tf.tensor1d(data.y.subarray(at, at + batch), 'int32'), 10);
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, forward(x)) as ReturnType<Tf['scalar']>,
      true,
    );
    await loss!.data();
    tf.dispose([x, y, loss!]);
  };
}

/**
 * Samples/s training a template on MNIST: ours through the Trainer users get (the runtime of
 * the editor and the CLI), tfjs through the same model written with its ops. One run is
 * `steps` optimizer steps.
 */
export function mnistTrainingCase(
  name: string,
  trainer: Trainer,
  tf: Tf,
  model: TfModel,
  data: MnistArrays,
  steps: number,
  flopsPerSample: number,
  dataName = 'MNIST',
): GpuCase {
  const batch = trainer.config.batchSize;
  const tfStep = tfjsTrainer(tf, model, data, batch);
  return {
    name: `${name} on ${dataName}, ${steps} steps of batch ${batch}`,
    flops: flopsPerSample * batch * steps,
    samples: batch * steps,
    steps,
    ours: async () => {
      for (let s = 0; s < steps; s++) {
        const outcome = await trainer.trainStep();
        if (!outcome.ok) throw new Error(`${name}: training went non-finite at ${outcome.report.node}`);
        if (trainer.done) trainer.reset();
      }
    },
    tfjs: async () => {
      for (let s = 0; s < steps; s++) await tfStep();
    },
    warmup: 1,
    runs: 3,
  };
}
