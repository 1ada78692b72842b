/**
 * The Export menu in the real page (Debian's Chromium, headless): open the MNIST MLP
 * template, Export → PyTorch downloads a zip holding model.py, train.py, the weights and the
 * MNIST data; Export → ONNX downloads an .onnx file.
 * Screenshot: test-results/screenshots/export-menu.png.
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startApp } from './harness.ts';

let server: ViteDevServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const app = await startApp();
  server = app.server;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(app.url, { timeout: 90_000 });
  await page.waitForSelector('.node', { timeout: 30_000 });
  await page.evaluate(
    (text) => {
      (window as unknown as { shapeflow: { store: { load(t: string): unknown } } }).shapeflow.store.load(
        text,
      );
    },
    readFileSync('templates/mnist_mlp.json', 'utf8'),
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function download(entry: string) {
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const waiting = page.waitForEvent('download', { timeout: 60_000 });
  await page.getByRole('menuitem', { name: entry }).click();
  const file = await waiting;
  return {
    name: file.suggestedFilename(),
    bytes: new Uint8Array(readFileSync((await file.path()) as string)),
  };
}

describe('the Export menu in the browser', () => {
  it('downloads the PyTorch zip and the ONNX model', async () => {
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByRole('menu', { name: 'Export' }).waitFor();
    await screenshot(page, 'export-menu');
    // Escape closes it (focus is on the Export button)
    await page.keyboard.press('Escape');
    await page.getByRole('menu', { name: 'Export' }).waitFor({ state: 'detached' });

    const zip = await download('PyTorch (model.py + train.py)');
    expect(zip.name).toBe('MNIST_MLP_pytorch.zip');
    const files = unzipSync(zip.bytes);
    expect(Object.keys(files).sort()).toEqual([
      'MNIST_MLP_pytorch/data.npz',
      'MNIST_MLP_pytorch/model.py',
      'MNIST_MLP_pytorch/train.py',
      'MNIST_MLP_pytorch/weights.safetensors',
    ]);
    expect(new TextDecoder().decode(files['MNIST_MLP_pytorch/train.py'])).toContain(
      "COLUMNS = ['inputs', 'targets']",
    );

    const onnx = await download('ONNX (.onnx)');
    expect(onnx.name).toBe('MNIST_MLP.onnx');
    expect(onnx.bytes.length).toBeGreaterThan(109_386 * 4);
  }, 180_000);
});
