/**
 * Training in the real page (Debian's Chromium, headless; the CPU backend in the worker, since
 * WebGPU under lavapipe is slow): open the MNIST MLP template, press Run and watch the loss
 * chart gain points, Pause, Step one batch (the step count goes up by exactly one), Resume;
 * then the exploding-LR template: Run → training pauses and the canvas pins the NaN to the
 * node where it appeared, with the statistics popover. Also a malformed IDX file dropped on
 * the dock gives a message naming it and leaves the document alone.
 * Screenshots: test-results/screenshots/training-*.png (dark and light).
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startApp } from './harness.ts';

let server: ViteDevServer;
let url: string;
let browser: Browser;
let page: Page;

const template = (name: string) => readFileSync(`templates/${name}.json`, 'utf8');

beforeAll(async () => {
  ({ server, url } = await startApp());
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  // a cold dev server on a busy machine can take a while to transform the app
  await page.goto(url, { timeout: 90_000 });
  await page.waitForSelector('.node', { timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function load(name: string) {
  await page.evaluate((text) => {
    (window as unknown as { shapeflow: { store: { load(t: string): unknown } } }).shapeflow.store.load(text);
  }, template(name));
  await page.waitForSelector('.node');
}

const chartPoints = async () => Number(await page.getByTestId('training-loss-chart').getAttribute('data-points'));
const stepCount = async () => Number(await page.getByTestId('training-step').getAttribute('data-step'));
const state = () => page.getByTestId('training-state').getAttribute('data-state');

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await cond()) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('training in the editor', () => {
  it('runs the MNIST MLP: the loss chart updates; Pause, Step batch (+1 step), Resume', async () => {
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await load('mnist_mlp');
    await page.getByTestId('training-toggle').click();
    await page.getByTestId('training-backend-cpu').check();
    await page.getByTestId('training-run').click();
    // the first run loads the bundled digits into the worker (about 20 s on a busy dev server)
    await waitFor('three loss points', async () => (await chartPoints()) >= 3, 60_000);
    const last = Number(await page.getByTestId('training-loss-chart').getAttribute('data-last'));
    expect(Number.isFinite(last)).toBe(true);
    // cross-entropy over 10 classes starts near ln 10 and should fall
    expect(last).toBeLessThan(2.5);
    expect(await page.getByTestId('training-dataset').textContent()).toContain('MNIST');
    expect(await page.getByTestId('training-progress').textContent()).toMatch(/samples\/s · ETA/);

    await page.getByTestId('training-pause').click();
    await waitFor('paused', async () => (await state()) === 'paused');
    const pausedAt = await stepCount();
    await page.waitForTimeout(300);
    expect(await stepCount()).toBe(pausedAt); // nothing trains while paused
    const pointsAtPause = await chartPoints();

    await page.getByTestId('training-step-batch').click();
    await waitFor('one more step', async () => (await stepCount()) === pausedAt + 1 && (await state()) === 'paused');
    await page.waitForTimeout(200);
    expect(await stepCount()).toBe(pausedAt + 1);
    expect(await chartPoints()).toBe(pointsAtPause + 1);
    await screenshot(page, 'training-dark');

    await page.getByTestId('training-run').click(); // now labelled Resume
    await waitFor('training resumed', async () => (await stepCount()) > pausedAt + 3);
    expect(await state()).toBe('running');
    await page.getByTestId('training-pause').click();
    await waitFor('paused again', async () => (await state()) === 'paused');
    expect(await page.getByTestId('training-runs').locator('li').count()).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('pins a NaN from the exploding-LR template to its node, with statistics and suggestions', async () => {
    await load('exploding_lr');
    await waitFor('the old session stopped', async () => (await state()) === 'stopped');
    await page.getByTestId('training-run').click();
    const badge = page.getByTestId('nonfinite-badge');
    await badge.waitFor({ timeout: 30_000 });
    expect(await state()).toBe('paused');
    const node = await badge.getAttribute('data-node');
    expect(await page.locator(`[data-node-id="${node}"]`).count()).toBe(1);
    const popover = page.getByTestId('nonfinite-popover');
    expect(await popover.getAttribute('data-node')).toBe(node);
    expect(await page.getByTestId('nonfinite-message').textContent()).toMatch(/non-finite|NaN/);
    expect(await page.getByTestId('nonfinite-suggestions').textContent()).toContain('lower the learning rate');
    expect(await popover.locator('.nonfinite-stats tbody tr').count()).toBeGreaterThan(0);
    await screenshot(page, 'training-nonfinite-dark');
    await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
    await page.waitForTimeout(100);
    await screenshot(page, 'training-nonfinite-light');
  }, 60_000);

  it('names a malformed IDX file and leaves the document unchanged', async () => {
    const before = await page.evaluate(
      () => (window as unknown as { shapeflow: { store: { doc: unknown } } }).shapeflow.store.doc,
    );
    await page.getByTestId('training-file-input').setInputFiles({
      name: 'train-images-idx3-ubyte',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]),
    });
    const message = page.locator('.messages').getByText(/train-images-idx3-ubyte/);
    await message.waitFor({ timeout: 5000 });
    expect(await message.textContent()).toMatch(/truncated/);
    const after = await page.evaluate(
      () => (window as unknown as { shapeflow: { store: { doc: unknown } } }).shapeflow.store.doc,
    );
    expect(after).toEqual(before);
    await page.getByTestId('training-stop').click();
  }, 30_000);
});
