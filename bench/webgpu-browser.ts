/**
 * `npm run bench -- webgpu-browser`: the WebGPU bench measured in headless Chromium (Debian's
 * chromium with the WebGPU flags, driven by playwright-core, the page served by Vite): our
 * backend against @tensorflow/tfjs-backend-webgpu on the adapter the browser gives, same run.
 * The page is bench/browser/webgpu.ts; SHAPEFLOW_BENCH_QUERY passes it sizes (e.g.
 * `resnetN=4&steps=5`, or `only=matmul,conv2d`).
 */
import { existsSync } from 'node:fs';
import { CHROMIUM, launchBrowser, startApp } from '../test/e2e/harness.ts';
import type { Page } from 'playwright-core';
import type { BrowserBenchReport } from './browser/webgpu.ts';
import type { BenchSection, BenchTable } from './measure.ts';
import { type CaseResult, RESULT_COLUMNS, resultRow } from './webgpu-cases.ts';

/** Chromium's WebGPU flags (without a GPU it gives SwiftShader, its own Vulkan CPU device). */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--ignore-gpu-blocklist'];

/** SHAPEFLOW_BENCH_MINUTES (default 30): past it, the rows measured so far are printed */
const TIMEOUT_MS = Number(process.env.SHAPEFLOW_BENCH_MINUTES ?? 30) * 60_000;

/** What a run cut short by TIMEOUT_MS measured: the rows done so far, and a note saying so. */
async function partialReport(page: Page): Promise<BrowserBenchReport> {
  const results = (await page.evaluate(
    () => (window as unknown as { benchResults?: unknown }).benchResults ?? [],
  )) as CaseResult[];
  const adapter = (await page.evaluate(async () => {
    const info = (await navigator.gpu?.requestAdapter())?.info;
    return [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ');
  })) as string;
  return {
    adapter,
    tfjsBackend: 'webgpu',
    results,
    notes: [
      `the run was cut short after ${TIMEOUT_MS / 60_000} min: the cases after the last row were not measured`,
    ],
  };
}

export const webgpuBrowserSection: BenchSection = {
  name: 'webgpu-browser',
  async run(): Promise<BenchTable> {
    const title = 'WebGPU backend vs @tensorflow/tfjs-backend-webgpu (headless Chromium)';
    if (!existsSync(CHROMIUM)) {
      return { title, columns: ['case'], rows: [], notes: [`skipped: no ${CHROMIUM}`] };
    }
    const { server, url } = await startApp();
    const browser = await launchBrowser(WEBGPU_FLAGS);
    try {
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (m.text().startsWith('bench:')) console.error(m.text());
      });
      const query = process.env.SHAPEFLOW_BENCH_QUERY ?? '';
      await page.goto(`${url}bench/browser/webgpu.html${query ? `?${query}` : ''}`, { timeout: 300_000 });
      const finished = await page
        .waitForFunction(() => 'benchReport' in window, undefined, { timeout: TIMEOUT_MS, polling: 1000 })
        .then(() => true)
        .catch(() => false);
      const report = finished
        ? ((await page.evaluate(
            () => (window as unknown as { benchReport: unknown }).benchReport,
          )) as BrowserBenchReport)
        : await partialReport(page);
      if (report.error) return { title, columns: ['case'], rows: [], notes: [`failed: ${report.error}`] };
      const software = /swiftshader|llvmpipe|lavapipe/i.test(report.adapter);
      return {
        title,
        columns: RESULT_COLUMNS,
        rows: report.results.map(resultRow),
        notes: [
          `adapter: ${report.adapter}${software ? ' (a CPU emulation of a GPU: relative numbers only)' : ''}; tfjs backend: ${report.tfjsBackend}`,
          `${(await browser.version()) || 'Chromium'}, flags ${WEBGPU_FLAGS.join(' ')}`,
          'median of alternating runs after a warm-up; every run ends with `await data()`; speed-up = tfjs ms / ours ms',
          'training-step rows: weights and optimizer state stay on the GPU in both; Trainer rows: our runtime as the editor runs it (weights and optimizer state on the GPU, one small read per step: loss, norms, flags) vs the same model and optimizer in tfjs',
          ...report.notes,
        ],
      };
    } finally {
      await browser.close();
      await server.close();
    }
  },
};
