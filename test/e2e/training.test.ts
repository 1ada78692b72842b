/**
 * Training in the real page (Debian's Chromium, headless; the CPU backend in the worker, since
 * WebGPU under lavapipe is slow): open the MNIST MLP template, press Run and watch the loss
 * chart gain points, Pause, Step one batch (the step count goes up by exactly one), Resume;
 * then the exploding-LR template: Run → training pauses and the canvas pins the NaN to the
 * node where it appeared, with the statistics popover. Also a malformed IDX file dropped on
 * the dock gives a message naming it and leaves the document alone.
 * Screenshots: test-results/screenshots/training-*.png (dark and light).
 */
import { gzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdx } from '../../src/nodes/sources/idx.ts';
import { launchBrowser, loadTemplate, openEditor, screenshot, startApp } from './harness.ts';

let server: ViteDevServer;
let url: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ({ server, url } = await startApp());
  browser = await launchBrowser();
  page = await openEditor(browser, url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const load = (name: string) => loadTemplate(page, name);

const chartPoints = async () =>
  Number(await page.getByTestId('training-loss-chart').getAttribute('data-points'));
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
    await waitFor(
      'one more step',
      async () => (await stepCount()) === pausedAt + 1 && (await state()) === 'paused',
    );
    await page.waitForTimeout(200);
    expect(await stepCount()).toBe(pausedAt + 1);
    expect(await chartPoints()).toBe(pointsAtPause + 1);
    await screenshot(page, 'training-dark');

    await page.getByTestId('training-run').click(); // now labelled Resume
    await waitFor('training resumed', async () => (await stepCount()) > pausedAt + 3);
    expect(await state()).toBe('running');
    // an edit mid-run: fc1 and fc2 change shape and start over, fc3 keeps its weights
    await page.evaluate(() => {
      const { editor } = (window as unknown as { shapeflow: { editor: { apply(e: unknown[]): boolean } } })
        .shapeflow;
      editor.apply([
        { kind: 'setParam', id: 'node:fc1', name: 'out_features', value: 100 },
        { kind: 'setParam', id: 'node:fc2', name: 'in_features', value: 100 },
      ]);
    });
    const recompiled = page.getByTestId('training-recompiled');
    await recompiled.waitFor({ timeout: 10_000 });
    expect(await recompiled.textContent()).toMatch(/kept weights\s*fc3.*re-initialised\s*fc1, fc2/s);
    const stepBeforeEdit = await stepCount();
    await waitFor('training goes on after the edit', async () => (await stepCount()) > stepBeforeEdit + 2);

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
    expect(await page.getByTestId('nonfinite-suggestions').textContent()).toContain(
      'lower the learning rate',
    );
    expect(await popover.locator('.nonfinite-stats tbody tr').count()).toBeGreaterThan(0);
    // the MLP's run, kept, overlaid on this one's loss chart
    const runs = page.getByTestId('training-runs').locator('li');
    expect(await runs.count()).toBe(2);
    await runs.nth(1).locator('input[type=checkbox]').check();
    await waitFor(
      'two runs overlaid',
      async () => Number(await page.getByTestId('training-loss-chart').getAttribute('data-curves')) >= 2,
    );
    await screenshot(page, 'training-nonfinite-dark');
    await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
    await page.waitForTimeout(100);
    await screenshot(page, 'training-nonfinite-light');

    // the first fix: the SGD node's lr drops tenfold (one undoable edit) and the run starts over
    await page.getByTestId('nonfinite-fix-lower-lr').click();
    await badge.waitFor({ state: 'detached', timeout: 10_000 });
    const lr = await page.evaluate(() => {
      const { store } = (
        window as unknown as {
          shapeflow: { store: { doc: { nodes: { type: string; params: { lr?: number } }[] } } };
        }
      ).shapeflow;
      return store.doc.nodes.find((n) => n.type === 'SGD')?.params.lr;
    });
    expect(lr).toBe(1e4);
    await waitFor('a fresh run', async () => (await state()) === 'idle' && (await stepCount()) === 0);
  }, 60_000);

  it('trains the MLP on IDX files picked in the dock (gzipped), in place of its Input nodes', async () => {
    await load('mnist_mlp');
    const gz = (dims: number[], data: Uint8Array) => Buffer.from(gzipSync(encodeIdx(dims, data)));
    const pixels = (n: number) => new Uint8Array(n * 784).map((_, i) => (i * 37) % 256);
    const digits = (n: number) => new Uint8Array(n).map((_, i) => i % 10);
    await page.getByTestId('training-file-input').setInputFiles([
      {
        name: 'train-images-idx3-ubyte.gz',
        mimeType: 'application/gzip',
        buffer: gz([256, 28, 28], pixels(256)),
      },
      { name: 'train-labels-idx1-ubyte.gz', mimeType: 'application/gzip', buffer: gz([256], digits(256)) },
      {
        name: 't10k-images-idx3-ubyte.gz',
        mimeType: 'application/gzip',
        buffer: gz([64, 28, 28], pixels(64)),
      },
      { name: 't10k-labels-idx1-ubyte.gz', mimeType: 'application/gzip', buffer: gz([64], digits(64)) },
    ]);
    const source = page.getByTestId('training-dataset');
    await waitFor('the IDX pairs', async () =>
      /256 28×28 to train, 64 28×28 to test/.test((await source.textContent()) ?? ''),
    );
    await page.getByTestId('training-step-epoch').click();
    await waitFor(
      'one epoch (4 batches of 64)',
      async () => (await stepCount()) === 4 && (await state()) === 'paused',
    );
    expect(await page.getByTestId('training-epoch-line').textContent()).toMatch(/val loss/);
    await page.getByTestId('training-stop').click();
    for (const name of ['train-images', 'train-labels', 't10k-images', 't10k-labels'])
      await page
        .getByRole('button', { name: `Remove ${name}-idx${name.endsWith('images') ? 3 : 1}-ubyte.gz` })
        .click();
  }, 30_000);

  it('names a malformed IDX file and leaves the document unchanged', async () => {
    const before = await page.evaluate(
      () => (window as unknown as { shapeflow: { store: { doc: unknown } } }).shapeflow.store.doc,
    );
    await page.getByTestId('training-file-input').setInputFiles({
      name: 'train-images-idx3-ubyte',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]),
    });
    const message = page.locator('.messages').getByText(/Dataset file not used: train-images-idx3-ubyte:/);
    await message.waitFor({ timeout: 5000 });
    expect(await message.textContent()).toMatch(/truncated/);
    const after = await page.evaluate(
      () => (window as unknown as { shapeflow: { store: { doc: unknown } } }).shapeflow.store.doc,
    );
    expect(after).toEqual(before);

    // dropped on the canvas: the dock takes IDX files (the editor would otherwise try to open them as a graph)
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3])], 't10k-labels-idx1-ubyte.gz'));
      const canvas = document.querySelector('.canvas') as HTMLElement;
      canvas.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const dropped = page
      .locator('.messages')
      .getByText(/Dataset file not used: t10k-labels-idx1-ubyte\.gz: looks gzipped/);
    await dropped.waitFor({ timeout: 5000 });
    const afterDrop = await page.evaluate(
      () => (window as unknown as { shapeflow: { store: { doc: unknown } } }).shapeflow.store.doc,
    );
    expect(afterDrop).toEqual(before);
  }, 30_000);

  it('keeps the runs across a reload (IndexedDB)', async () => {
    await page.reload();
    await page.waitForSelector('.node', { timeout: 30_000 });
    await page.getByTestId('training-toggle').click();
    const runs = page.getByTestId('training-runs').locator('li');
    await waitFor('the kept runs', async () => (await runs.count()) >= 3);
    expect(await runs.first().textContent()).toMatch(/stopped · cpu · 4 steps/);
  }, 60_000);
});
