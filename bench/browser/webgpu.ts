/**
 * The WebGPU bench in a browser (bench/webgpu-browser.ts loads it in headless Chromium): our
 * backend and tfjs-backend-webgpu on the adapter this page gets, in the same run. Query
 * parameters size the cases; the report is left on `window.benchReport`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { createWebGPUBackend } from '../../src/engine/backends/webgpu/index.ts';
import mlpTemplate from '../../templates/mnist_mlp.json?raw';
import lenetTemplate from '../../templates/lenet.json?raw';
import {
  type CaseResult,
  convCase,
  type GpuCase,
  matmulCase,
  measure,
  mnistArrays,
  mnistTrainer,
  mlpStepCase,
  mnistTrainingCase,
  resnetBlockCase,
} from '../webgpu-cases.ts';

export interface BrowserBenchReport {
  adapter: string;
  tfjsBackend: string;
  results: CaseResult[];
  notes: string[];
  error?: string;
}

const query = new URLSearchParams(location.search);
const num = (name: string, fallback: number) => Number(query.get(name) ?? fallback);
/** which cases to run: comma-separated prefixes of their names (all by default) */
const only = query.get('only')?.split(',') ?? null;

async function main(): Promise<BrowserBenchReport> {
  const gpu = await createWebGPUBackend(navigator.gpu);
  if (!gpu) throw new Error('no WebGPU adapter in this browser');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu did not initialise');
  const resnetN = num('resnetN', 16);
  const steps = num('steps', 10);
  const builders: [string, () => Promise<GpuCase>][] = [
    ['matmul 256', async () => matmulCase(gpu, tf, 256, 7)],
    ['matmul 1024', async () => matmulCase(gpu, tf, 1024, 3)],
    // on a software adapter one 2048² product takes minutes: no warm-up run (its first run compiles)
    ['matmul 2048', async () => matmulCase(gpu, tf, 2048, 1, num('warmup2048', 0))],
    ['conv2d', async () => convCase(gpu, tf, [8, 64, 64, 32, 32], 3)],
    ['MLP', async () => mlpStepCase(gpu, tf, [784, 128, 64, 10], 128, 5)],
    ['ResNet', async () => resnetBlockCase(gpu, tf, resnetN, 64, 32, 1)],
    [
      'MLP 784-128-64-10 (Trainer)',
      async () =>
        mnistTrainingCase(
          'MLP 784-128-64-10 (Trainer)',
          await mnistTrainer(mlpTemplate, gpu),
          tf,
          'mlp',
          await mnistArrays(),
          steps,
          6 * 109_184,
        ),
    ],
    [
      'LeNet (Trainer)',
      async () =>
        mnistTrainingCase(
          'LeNet (Trainer)',
          await mnistTrainer(lenetTemplate, gpu),
          tf,
          'lenet',
          await mnistArrays(),
          steps,
          6 * 416_520,
        ),
    ],
  ];
  // measured rows stay readable on `window.benchResults` if the whole run is cut short
  const results: CaseResult[] = [];
  (window as unknown as { benchResults: CaseResult[] }).benchResults = results;
  for (const [name, build] of builders) {
    if (only && !only.some((o) => name.startsWith(o))) continue;
    const started = performance.now();
    const result = await measure(await build());
    results.push(result);
    console.log(
      `bench: ${result.name}: ours ${result.oursMs.toFixed(1)} ms, tfjs ${result.tfjsMs.toFixed(1)} ms (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  return {
    adapter: gpu.adapterName,
    tfjsBackend: tf.getBackend(),
    results,
    notes: [`ResNet block at N=${resnetN}`, `Trainer rows: ${steps} optimizer steps per run`],
  };
}

const done = main().catch(
  (e: Error): BrowserBenchReport => ({
    adapter: '',
    tfjsBackend: '',
    results: [],
    notes: [],
    error: e.stack ?? String(e),
  }),
);
done.then((report) => {
  (window as unknown as { benchReport: BrowserBenchReport }).benchReport = report;
  document.getElementById('report')!.textContent = JSON.stringify(report, null, 2);
});
