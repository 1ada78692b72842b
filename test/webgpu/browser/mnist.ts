/**
 * The acceptance recipe on WebGPU in a real browser (test/training/mnist-chromium.test.ts loads
 * this page in headless Chromium): the mnist_mlp template (784-128-64-10) on the seeded MNIST
 * split (8,000 train / 2,000 test), SGD momentum 0.9, lr 0.1, batch 64, through the same
 * runtime the editor uses. Query `epochs` (default 5), `residency` (device or host). Leaves the report on `window`.
 */
import { createWebGPUBackend } from '../../../src/engine/backends/webgpu/index.ts';
import { loadDocument } from '../../../src/graph/schema.ts';
import { catalog } from '../../../src/nodes/index.ts';
import { openTrainingSession, withDatasetForInputs } from '../../../src/training/session.ts';
import template from '../../../templates/mnist_mlp.json?raw';

export interface MnistReport {
  adapter: string;
  backend: string;
  trainSamples: number;
  testSamples: number;
  epochs: {
    epoch: number;
    trainLoss: number;
    testAccuracy: number;
    seconds: number;
    samplesPerSec: number;
  }[];
  testAccuracy: number;
  seconds: number;
  error?: string;
}

async function main(): Promise<MnistReport> {
  const query = new URLSearchParams(location.search);
  const epochs = Number(query.get('epochs') ?? 5);
  // `residency=host` trains with weights on the CPU side, for comparison
  const residency = query.get('residency') === 'host' ? 'host' : 'device';
  const gpu = await createWebGPUBackend(navigator.gpu);
  if (!gpu) throw new Error('no WebGPU adapter in this browser');
  const loaded = loadDocument(template, catalog);
  if (!loaded.ok) throw new Error(loaded.errors[0].message);
  const doc = withDatasetForInputs(loaded.doc, catalog, 'MNIST', { batch_size: 64, shuffle: true, seed: 0 });
  const { trainer } = await openTrainingSession(doc, {
    catalog,
    backend: gpu,
    config: {
      epochs,
      residency,
      evalBatchSize: 500,
      optimizer: { name: 'SGD', hyperparams: { lr: 0.1, momentum: 0.9 } },
    },
  });
  const report: MnistReport = {
    adapter: gpu.adapterName,
    backend: trainer.backend.name,
    trainSamples: trainer.feed.size('train'),
    testSamples: trainer.feed.size('val'),
    epochs: [],
    testAccuracy: Number.NaN,
    seconds: 0,
  };
  const started = performance.now();
  while (!trainer.done) {
    const outcome = await trainer.trainEpoch();
    if (!outcome.ok) throw new Error(`non-finite ${outcome.report.what} at ${outcome.report.node}`);
    const m = outcome.epochDone!;
    report.epochs.push({
      epoch: m.epoch + 1,
      trainLoss: m.trainLoss,
      testAccuracy: m.val!.accuracy!,
      seconds: m.seconds,
      samplesPerSec: m.samplesPerSec,
    });
    console.log(
      `mnist: epoch ${m.epoch + 1}: test acc ${(100 * m.val!.accuracy!).toFixed(2)} %, ${m.seconds.toFixed(1)} s`,
    );
  }
  report.seconds = (performance.now() - started) / 1000;
  report.testAccuracy = report.epochs.at(-1)!.testAccuracy;
  return report;
}

main()
  .catch(
    (e: Error): MnistReport => ({
      adapter: '',
      backend: '',
      trainSamples: 0,
      testSamples: 0,
      epochs: [],
      testAccuracy: Number.NaN,
      seconds: 0,
      error: e.stack ?? String(e),
    }),
  )
  .then((report) => {
    (window as unknown as { mnistReport: MnistReport }).mnistReport = report;
    document.getElementById('report')!.textContent = JSON.stringify(report, null, 2);
  });
