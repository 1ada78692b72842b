/**
 * CPU section: our CPU backend against tfjs-core + tfjs-backend-cpu (both single-threaded
 * JavaScript), measured in the same process with runs alternating between the two.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { backward, cpuBackend, Rng, run, type Tensor, tensor } from '../src/engine/index.ts';
import { type BenchSection, compareMedians, type Timing } from './measure.ts';

const rng = new Rng(2026);

function randoms(size: number, bound = 1): Float32Array {
  return rng.fillUniform(new Float32Array(size), -bound, bound);
}

const ours = (shape: number[], bound = 1) =>
  tensor(
    randoms(
      shape.reduce((a, b) => a * b, 1),
      bound,
    ),
    shape,
    'float32',
    cpuBackend,
  );

interface Case {
  name: string;
  ours: () => void;
  tfjs: () => void;
  timing?: Timing;
}

function matmulCase(n: number, timing: Timing): Case {
  const [a, b] = [ours([n, n]), ours([n, n])];
  const [ta, tb] = [tf.tensor2d(randoms(n * n), [n, n]), tf.tensor2d(randoms(n * n), [n, n])];
  return {
    name: `matmul ${n}×${n} · ${n}×${n}`,
    ours: () => run('matmul', [a, b]).dataSync(),
    tfjs: () => {
      const c = tf.matMul(ta, tb);
      c.dataSync();
      c.dispose();
    },
    timing,
  };
}

function convCase(): Case {
  const [N, C, O, H, W] = [8, 32, 64, 32, 32];
  const x = ours([N, C, H, W]);
  const w = ours([O, C, 3, 3], 0.1);
  // tfjs's native layouts: NHWC input, [kh, kw, in, out] filter
  const tx = tf.tensor4d(randoms(N * H * W * C), [N, H, W, C]);
  const tw = tf.tensor4d(randoms(9 * C * O, 0.1), [3, 3, C, O]);
  return {
    name: `conv2d N=${N} ${C}→${O} ${H}×${W} 3×3 pad 1`,
    ours: () => run('conv2d', [x, w], { padding: 1 }).dataSync(),
    tfjs: () => {
      const y = tf.conv2d(tx, tw, 1, 'same');
      y.dataSync();
      y.dispose();
    },
  };
}

/**
 * conv2d forward and both gradients (dX and dW), as one training step of that layer needs.
 * Smaller than the forward case: tfjs-backend-cpu's conv backprop kernels take minutes at that size.
 */
function convTrainCase(): Case {
  const [N, C, O, H, W] = [2, 16, 16, 16, 16];
  const x = ours([N, C, H, W]).requireGrad();
  const w = ours([O, C, 3, 3], 0.1).requireGrad();
  const dy = ours([N, O, H, W]);
  const tx = tf.tensor4d(randoms(N * H * W * C), [N, H, W, C]);
  const tw = tf.tensor4d(randoms(9 * C * O, 0.1), [3, 3, C, O]);
  const tdy = tf.tensor4d(randoms(N * H * W * O), [N, H, W, O]);
  const tfjsGrads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'),
  );
  return {
    name: `conv2d fwd+bwd (dX, dW) N=${N} ${C}→${O} ${H}×${W} 3×3 pad 1`,
    ours: () => {
      x.zeroGrad();
      w.zeroGrad();
      backward(run('conv2d', [x, w], { padding: 1 }), dy);
      x.grad!.dataSync();
      w.grad!.dataSync();
    },
    tfjs: () => {
      const grads = tfjsGrads([tx, tw], tdy);
      for (const g of grads) g.dataSync();
      tf.dispose(grads);
    },
    timing: { warmup: 1, runs: 5 },
  };
}

/** One training step's gradients of the 784-128-64-10 MLP (ReLU, softmax cross-entropy), batch 64. */
function mlpCase(): Case {
  const sizes = [784, 128, 64, 10];
  const batch = 64;
  const layers = sizes.slice(1).map((out, i) => {
    const bound = 1 / Math.sqrt(sizes[i]);
    return { w: ours([out, sizes[i]], bound).requireGrad(), b: ours([out], bound).requireGrad() };
  });
  const x = ours([batch, 784]);
  const labels = Array.from({ length: batch }, () => rng.int(10));
  const target = tensor(labels, [batch], 'int32', cpuBackend);
  const oursStep = () => {
    let h: Tensor = x;
    layers.forEach(({ w, b }, i) => {
      w.zeroGrad();
      b.zeroGrad();
      h = run('linear', [h, w, b]);
      if (i < layers.length - 1) h = run('relu', [h]);
    });
    backward(run('cross_entropy', [h, target], { reduction: 'mean' }));
  };

  const tLayers = sizes.slice(1).map((out, i) => {
    const bound = 1 / Math.sqrt(sizes[i]);
    return {
      w: tf.variable(tf.tensor2d(randoms(sizes[i] * out, bound), [sizes[i], out])),
      b: tf.variable(tf.tensor1d(randoms(out, bound))),
    };
  });
  const tx = tf.tensor2d(randoms(batch * 784), [batch, 784]);
  const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const tfjsStep = () => {
    const { value, grads } = tf.variableGrads(() => {
      let h: tf.Tensor2D = tx;
      tLayers.forEach(({ w, b }, i) => {
        h = tf.add(tf.matMul(h, w), b);
        if (i < tLayers.length - 1) h = tf.relu(h);
      });
      return tf.losses.softmaxCrossEntropy(onehot, h) as tf.Scalar;
    });
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  return {
    name: 'MLP 784-128-64-10, batch 64, fwd+bwd',
    ours: oursStep,
    tfjs: tfjsStep,
    timing: { warmup: 3, runs: 15 },
  };
}

/**
 * tfjs-core's Node bundle ships without gradients (the `@tensorflow/tfjs` union package adds
 * them through register_all_gradients, whose ESM directory imports Node cannot resolve), so
 * register every config in dist/gradients/ one file at a time — the same set.
 */
async function registerTfjsGradients(): Promise<void> {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json')),
    'dist/gradients',
  );
  for (const file of readdirSync(dir).filter((f) => f.endsWith('_grad.js'))) {
    // the few configs that reach back into base.js hit that directory import: not ones an MLP needs
    const module: Record<string, unknown> | null = await import(pathToFileURL(join(dir, file)).href).catch(
      () => null,
    );
    for (const config of Object.values(module ?? {})) {
      const c = config as Partial<tf.GradConfig>;
      if (c?.kernelName && c.gradFunc && !tf.getGradient(c.kernelName))
        tf.registerGradient(c as tf.GradConfig);
    }
  }
}

/** tfjs greets Node users on its first tensor; keep that out of the table. */
async function quietly<T>(f: () => Promise<T> | T): Promise<T> {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return await f();
  } finally {
    console.warn = warn;
  }
}

export const cpuSection: BenchSection = {
  name: 'cpu',
  async run() {
    await registerTfjsGradients();
    await tf.setBackend('cpu');
    const cases = await quietly(() => [
      matmulCase(128, { warmup: 3, runs: 15 }),
      matmulCase(512, { warmup: 1, runs: 5 }),
      matmulCase(1024, { warmup: 1, runs: 3 }),
      convCase(),
      convTrainCase(),
      mlpCase(),
    ]);
    const rows = cases.map((c) => {
      process.stderr.write(`  ${c.name} …\n`);
      const [mine, theirs] = compareMedians([c.ours, c.tfjs], c.timing);
      return [c.name, mine.toFixed(2), theirs.toFixed(2), `${(theirs / mine).toFixed(2)}x`];
    });
    return {
      title: `CPU: Shapeflow cpu backend vs tfjs-core ${tf.version_core} (backend '${tf.getBackend()}')`,
      columns: ['case', 'ours ms', 'tfjs ms', 'ratio (tfjs/ours)'],
      rows,
      notes: [
        'median of the timed runs after warm-up; runs alternate ours/tfjs; one thread each',
        'conv2d: ours NCHW/OIHW, tfjs NHWC/HWIO (each library in its native layout), no bias',
        'MLP: ours = linear/relu/cross_entropy registry ops through the autograd tape; tfjs = tf.variableGrads with tf.losses.softmaxCrossEntropy',
      ],
    };
  },
};
