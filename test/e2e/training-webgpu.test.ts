/**
 * Training in the real page on WebGPU (Chromium's adapter; SwiftShader without a GPU): the worker
 * trains with weights on the device and learns of a NaN from an asynchronous flag, after the
 * update. The exploding-LR template must still be pinned to the node the CPU backend names —
 * the trainer replays the steps since its checkpoint on the host to find it.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBGPU_FLAGS } from '../../bench/webgpu-browser.ts';
import { CHROMIUM, launchBrowser, loadTemplate, openEditor, screenshot, startApp } from './harness.ts';

let server: ViteDevServer;
let url: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  ({ server, url } = await startApp());
  browser = await launchBrowser(WEBGPU_FLAGS);
  page = await openEditor(browser, url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function pinnedNode(backend: 'cpu' | 'webgpu'): Promise<string | null> {
  await loadTemplate(page, 'exploding_lr');
  if (!(await page.getByTestId('training-run').isVisible()))
    await page.getByTestId('training-toggle').click();
  await page.getByTestId(`training-backend-${backend}`).check();
  await page.getByTestId('training-run').click();
  const badge = page.getByTestId('nonfinite-badge');
  await badge.waitFor({ timeout: 90_000 });
  return badge.getAttribute('data-node');
}

describe.skipIf(!existsSync(CHROMIUM))('training on WebGPU in the editor', () => {
  it('pins the exploding-LR NaN to the node the CPU backend names', async () => {
    const webgpu = page.getByTestId('training-backend-webgpu');
    if (!(await page.getByTestId('training-run').isVisible()))
      await page.getByTestId('training-toggle').click();
    await page
      .waitForFunction(
        () =>
          !(document.querySelector('[data-testid=training-backend-webgpu]') as HTMLInputElement)?.disabled,
        undefined,
        { timeout: 20_000 },
      )
      .catch(() => {});
    if (await webgpu.isDisabled()) {
      console.warn('\n!!!!! WEBGPU E2E SKIPPED: this Chromium offers no WebGPU adapter.\n');
      return;
    }
    const onGpu = await pinnedNode('webgpu');
    await screenshot(page, 'training-nonfinite-webgpu');
    expect(await page.getByTestId('nonfinite-suggestions').textContent()).toContain(
      'lower the learning rate',
    );
    await page.getByTestId('training-stop').click();
    const onCpu = await pinnedNode('cpu');
    expect(onGpu).toBe(onCpu);
  }, 240_000);
});
