import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WEBGPU_FLAGS } from '../../bench/webgpu-browser.ts';
import { CHROMIUM, launchBrowser, startApp } from '../e2e/harness.ts';
import type { MnistReport } from '../webgpu/browser/mnist.ts';

/**
 * The PyTorch figure for this recipe after 5 epochs. On this very split PyTorch averages
 * 93.7 ± 0.6 % over 10 seeds and ours 93.6 ± 0.4 % (docs/mnist-parity.md): one seed's spread is
 * wider than ±0.5 points, so the bound is one-sided, at the figure less 0.5.
 */
const PYTORCH_ACCURACY = 0.927;

const hasChromium = existsSync(CHROMIUM);

/**
 * The acceptance recipe in headless Chromium on WebGPU (SwiftShader where there is no GPU):
 * the mnist_mlp template, seeded 8,000 / 2,000 MNIST split, SGD momentum 0.9, lr 0.1, batch
 * 64, 5 epochs. Slow on a software adapter (about 4 minutes on SwiftShader): the time is printed.
 * The CPU backend's test, test/training/mnist.test.ts, prints the same per-epoch accuracies.
 */
describe.skipIf(!hasChromium)('the MNIST MLP on WebGPU in headless Chromium', () => {
  it('reaches PyTorch’s 92.7 % test accuracy, less at most 0.5 points, after 5 epochs', {
    timeout: 900_000,
  }, async () => {
    const { server, url } = await startApp();
    const browser = await launchBrowser(WEBGPU_FLAGS);
    try {
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (m.text().startsWith('mnist:')) console.log(m.text());
      });
      await page.goto(`${url}test/webgpu/browser/mnist.html?epochs=5`, { timeout: 300_000 });
      await page.waitForFunction(() => 'mnistReport' in window, undefined, {
        timeout: 880_000,
        polling: 1000,
      });
      const report = (await page.evaluate(
        () => (window as unknown as { mnistReport: unknown }).mnistReport,
      )) as MnistReport;
      expect(report.error).toBeUndefined();
      const rate = report.epochs.reduce((s, e) => s + e.samplesPerSec, 0) / report.epochs.length;
      console.log(
        `MNIST MLP on ${report.backend} (${report.adapter}): test accuracy ${(100 * report.testAccuracy).toFixed(2)} % after ${report.epochs.length} epochs, ${report.seconds.toFixed(0)} s in all, ${Math.round(rate)} samples/s while training`,
      );
      expect(report.backend).toBe('webgpu');
      expect([report.trainSamples, report.testSamples]).toEqual([8000, 2000]);
      expect(report.epochs).toHaveLength(5);
      expect(report.testAccuracy).toBeGreaterThanOrEqual(PYTORCH_ACCURACY - 0.005);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
