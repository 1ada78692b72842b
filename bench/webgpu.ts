/**
 * WebGPU section: our WebGPU backend against @tensorflow/tfjs-backend-webgpu, both on the same
 * adapter through the `webgpu` package (Dawn) in Node, runs alternating between the two. The
 * cases are bench/webgpu-cases.ts, shared with the headless-Chromium section
 * (webgpu-browser.ts). Every timed run ends with a read of the result, so queued GPU work is
 * counted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WebGPUBackend } from '../src/engine/backends/webgpu/index.ts';
import type { BenchSection, BenchTable } from './measure.ts';
import {
  convCase,
  type GpuCase,
  matmulCase,
  measure,
  mnistArrays,
  mnistTrainer,
  mlpStepCase,
  mnistTrainingCase,
  RESULT_COLUMNS,
  resultRow,
  type Tf,
} from './webgpu-cases.ts';

/**
 * tfjs-core's Node bundle has no gradients registered (bench/cpu.ts explains why); register
 * each config of dist/gradients/ the same way it does.
 */
async function registerTfjsGradients(tf: Tf): Promise<void> {
  let dir: string;
  try {
    dir = join(
      dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json')),
      'dist/gradients',
    );
  } catch {
    return; // bundled (bench/device.ts): the bundle imports register_all_gradients itself
  }
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

/**
 * Our WebGPU backend and tfjs on its webgpu backend, both on the `webgpu` package's adapter;
 * or why not. Shared by this section and the device bench (bench/device.ts).
 */
export async function openNodeGpus(): Promise<{ gpu: WebGPUBackend; tf: Tf } | { skipped: string }> {
  const { createNodeWebGPUBackend } = await import('../src/engine/backends/webgpu/node.ts');
  const created = await createNodeWebGPUBackend();
  if (!created.backend) return { skipped: created.reason };
  // tfjs-webgpu finds its adapter through navigator.gpu, as in a browser
  const { create } = await import('webgpu');
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  await registerTfjsGradients(tf);
  if (!(await tf.setBackend('webgpu'))) return { skipped: 'tfjs-backend-webgpu did not initialise' };
  return { gpu: created.backend as WebGPUBackend, tf };
}

/** Whether the adapter is a CPU emulation of a GPU (lavapipe, SwiftShader). */
export const isEmulated = (gpu: WebGPUBackend) => /llvmpipe|lavapipe|swiftshader/i.test(gpu.adapterName);

/** The adapter, and a caveat where it is a CPU emulation. */
export const adapterNote = (gpu: WebGPUBackend) =>
  `adapter: ${gpu.adapterName}${isEmulated(gpu) ? ' (a CPU emulation of a GPU: relative numbers only)' : ''}`;

export const webgpuSection: BenchSection = {
  name: 'webgpu',
  async run(): Promise<BenchTable> {
    const title = 'WebGPU backend vs @tensorflow/tfjs-backend-webgpu (Node, Dawn)';
    const opened = await openNodeGpus();
    if ('skipped' in opened)
      return { title, columns: ['case'], rows: [], notes: [`skipped: ${opened.skipped}`] };
    const { gpu, tf } = opened;
    const cases: GpuCase[] = [
      matmulCase(gpu, tf, 256, 7),
      matmulCase(gpu, tf, 1024, 3),
      convCase(gpu, tf, [8, 64, 64, 32, 32], 3),
      mlpStepCase(gpu, tf, [784, 256, 10], 64, 5),
      mlpStepCase(gpu, tf, [784, 128, 64, 10], 128, 5),
      mnistTrainingCase(
        'MLP 784-128-64-10 (Trainer)',
        await mnistTrainer(template('mnist_mlp'), gpu),
        tf,
        'mlp',
        await mnistArrays(),
        10,
        6 * 109_184,
      ),
      mnistTrainingCase(
        'LeNet (Trainer)',
        await mnistTrainer(template('lenet'), gpu),
        tf,
        'lenet',
        await mnistArrays(),
        5,
        6 * 416_520,
      ),
    ];
    const rows: string[][] = [];
    for (const c of cases) rows.push(resultRow(await measure(c)));
    return {
      title,
      columns: RESULT_COLUMNS,
      rows,
      notes: [
        adapterNote(gpu),
        'median of alternating runs after a warm-up; every run ends with `await data()`; speed-up = tfjs ms / ours ms',
        'training-step rows: weights and optimizer state stay on the GPU in both; Trainer rows: our runtime as the CLI runs it (weights and optimizer state on the GPU, one small read per step: loss, norms, flags) vs the same model and optimizer in tfjs',
      ],
    };
  },
};

const template = (name: string) =>
  readFileSync(new URL(`../templates/${name}.json`, import.meta.url), 'utf8');
