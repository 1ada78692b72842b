/**
 * The device bench: the WebGPU section's comparison at the sizes a real GPU is judged by
 * (issue #10's H100 anchors) — matmul up to 4096², and the 784-128-64-10 MLP trained with
 * SGD momentum at batch 64 and 1024, through our Trainer and as a bare step — with GFLOPS
 * as a share of the GPU's fp32 peak. It needs no MNIST files (the data is synthetic: speed
 * does not depend on the values), so it bundles into one file that runs on the lent GPU
 * machine (scripts/device-bench.sh); `npm run bench -- device` runs it here too.
 */
import { ArrayFeed } from '../src/engine/runtime/train-data.ts';
import { Trainer } from '../src/engine/runtime/train.ts';
import { Rng } from '../src/engine/random.ts';
import { loadDocument } from '../src/graph/schema.ts';
import { catalog } from '../src/nodes/index.ts';
import { compilerFor } from '../src/training/session.ts';
import mnistMlp from '../templates/mnist_mlp.json' with { type: 'json' };
import type { BenchSection, BenchTable } from './measure.ts';
import { adapterNote, isEmulated, openNodeGpus } from './webgpu.ts';
import {
  type CaseResult,
  type GpuCase,
  matmulCase,
  measure,
  type MnistArrays,
  mlpStepCase,
  mnistTrainingCase,
  RESULT_COLUMNS,
  resultRow,
} from './webgpu-cases.ts';

/** fp32 (non-tensor-core) peak of the GPUs named, in GFLOPS: the vendor's figures. */
const FP32_PEAK_GFLOPS: [RegExp, number][] = [
  [/H200/i, 66_900],
  [/H100.*PCIe/i, 51_200],
  [/H100/i, 66_900],
  [/A100/i, 19_500],
];

/** The peak to divide by: SHAPEFLOW_PEAK_GFLOPS, else the adapter's name looked up above. */
function peakOf(adapter: string): number | null {
  const given = Number(process.env.SHAPEFLOW_PEAK_GFLOPS);
  if (given > 0) return given;
  return FP32_PEAK_GFLOPS.find(([name]) => name.test(adapter))?.[1] ?? null;
}

/** Synthetic MNIST-shaped data: uniform pixels in [0, 1), labels 0–9. */
function syntheticDigits(count: number): MnistArrays {
  const rng = new Rng(11);
  const x = rng.fillUniform(new Float32Array(count * 784), 0, 1);
  const y = Int32Array.from({ length: count }, (_, i) => i % 10);
  return { x, y, count };
}

/** The MNIST MLP template trained by our Trainer (weights on the device) with SGD momentum 0.9. */
function mlpTrainer(gpu: Parameters<typeof mlpStepCase>[0], data: MnistArrays, batchSize: number): Trainer {
  const loaded = loadDocument(JSON.stringify(mnistMlp), catalog);
  if (!loaded.ok) throw new Error(loaded.errors[0].message);
  const arrays = {
    'node:image:output': { data: data.x, sampleShape: [1, 28, 28], dtype: 'float32' as const },
    'node:labels:output': { data: data.y, sampleShape: [], dtype: 'int32' as const },
  };
  return new Trainer(compilerFor(loaded.doc, catalog), new ArrayFeed(arrays), gpu, {
    batchSize,
    epochs: 1_000_000,
    seed: 0,
    validate: false,
    optimizer: { name: 'SGD', hyperparams: { lr: 0.1, momentum: 0.9 } },
  });
}

const MLP_FLOPS_PER_SAMPLE = 6 * 109_184;

export const deviceSection: BenchSection = {
  name: 'device',
  async run(): Promise<BenchTable> {
    const title = 'WebGPU at GPU sizes: ours vs @tensorflow/tfjs-backend-webgpu (Node, Dawn)';
    const opened = await openNodeGpus();
    if ('skipped' in opened)
      return { title, columns: ['case'], rows: [], notes: [`skipped: ${opened.skipped}`] };
    const { gpu, tf } = opened;
    const emulated = isEmulated(gpu);
    // a CPU emulation would take minutes at the GPU sizes: the same rows, smaller
    const [big, bigger] = emulated ? [256, 512] : [2048, 4096];
    const data = syntheticDigits(emulated ? 4096 : 65_536);
    const cases: GpuCase[] = [
      matmulCase(gpu, tf, emulated ? 128 : 1024, 10, 2),
      matmulCase(gpu, tf, big, 10, 2),
      matmulCase(gpu, tf, bigger, 5, 2),
      mlpStepCase(gpu, tf, [784, 128, 64, 10], 64, 50),
      mlpStepCase(gpu, tf, [784, 128, 64, 10], 1024, 50),
      ...[64, 1024].map((batch) =>
        mnistTrainingCase(
          'MLP 784-128-64-10 (Trainer, SGD momentum)',
          mlpTrainer(gpu, data, batch),
          tf,
          'mlp',
          data,
          emulated ? 5 : 50,
          MLP_FLOPS_PER_SAMPLE,
          'synthetic digits',
        ),
      ),
    ];
    const peak = peakOf(gpu.adapterName);
    const results: CaseResult[] = [];
    for (const c of cases) results.push(await measure(c));
    return {
      title,
      columns: [...RESULT_COLUMNS, '% of fp32 peak', 'ours ms/step'],
      rows: results.map((r) => [
        ...resultRow(r),
        peak ? `${((100 * r.flops) / r.oursMs / 1e6 / peak).toFixed(1)} %` : '',
        r.steps ? (r.oursMs / r.steps).toFixed(3) : '',
      ]),
      notes: [
        adapterNote(gpu),
        peak
          ? `fp32 peak taken as ${peak.toLocaleString('en-US')} GFLOPS`
          : 'no fp32 peak known for this adapter: set SHAPEFLOW_PEAK_GFLOPS',
        'synthetic MNIST-shaped data (speed does not depend on the values); median of alternating runs after a warm-up; every run ends with a read',
        'issue #10 goals on an H100: matmul 4096² ≥ 26 TFLOPS; a training step of this MLP under 1 ms',
      ],
    };
  },
};
