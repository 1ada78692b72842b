/**
 * The editor in a real browser (Debian's Chromium, headless): build an MLP from the palette
 * by typing, wire it, read the shapes on the edges, break it, fix it with one click, undo,
 * redo, reload, and drop a malformed file. Screenshots land in test-results/screenshots/.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startApp } from './harness.ts';

let server: ViteDevServer;
let url: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  ({ server, url } = await startApp());
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('pageerror', (e) => {
    console.error('page error:', e.message);
    pageErrors.push(e.message);
  });
  // the dev server transforms every module on first load: slow on a busy machine
  await page.goto(url, { timeout: 150_000 });
  await page.waitForSelector('.node', { timeout: 60_000 });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const port = (node: string, name: string, side: 'in' | 'out') =>
  page.locator(`[data-port-node="${node}"][data-port-name="${name}"][data-port-side="${side}"]`);

async function addFromPalette(query: string): Promise<string> {
  const search = page.getByRole('searchbox', { name: 'Search nodes' });
  await search.fill(query);
  await search.press('Enter');
  const id = await page.locator('.node.selected').getAttribute('data-node-id');
  if (!id) throw new Error(`adding '${query}' selected no node`);
  return id;
}

async function drag(from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

async function centre(locator: ReturnType<Page['locator']>) {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element is not visible');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

async function connect(a: string, aPort: string, b: string, bPort: string) {
  await drag(await centre(port(a, aPort, 'out')), await centre(port(b, bPort, 'in')));
}

async function setParam(node: string, name: string, text: string) {
  await page.locator(`[data-node-id="${node}"] .node-header`).click();
  const field = page.locator(`[id="param-${node}-${name}"]`);
  await field.fill(text);
  await field.press('Enter');
}

const edgeLabels = () => page.locator('.edge-label').allTextContents();
const mnistText = readFileSync(resolve('templates/mnist_mlp.json'), 'utf8');
const status = () => page.getByTestId('graph-status').textContent();
const theme = async () =>
  (
    await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).getAttribute('aria-label')
  )?.includes('dark')
    ? 'light'
    : 'dark';

describe('the editor in Chromium', () => {
  it('opens on the MNIST MLP template with every edge labelled by its shape', async () => {
    expect(await page.locator('.node').count()).toBe(9);
    const labels = await edgeLabels();
    expect(labels).toContain('N×1×28×28');
    expect(labels).toContain('N×784');
    expect(labels.filter((l) => l === 'N×128').length).toBe(2);
    expect(await status()).toContain('shapes check');
    await screenshot(page, 'template-light');
    await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
    await screenshot(page, 'template-other-theme');
  });

  it('builds, breaks, fixes, undoes and redoes an MLP from the palette', async () => {
    await page.getByRole('button', { name: 'New empty graph' }).click();
    expect(await page.locator('.node').count()).toBe(0);

    const input = await addFromPalette('input');
    await setParam(input, 'shape', 'N, 1, 28, 28');
    const flatten = await addFromPalette('flatten');
    const fc1 = await addFromPalette('fc');
    const relu = await addFromPalette('relu');
    const fc2 = await addFromPalette('fc');
    const loss = await addFromPalette('ce');
    await page.locator(`[data-node-id="${input}"] .node-header`).click();
    const labels = await addFromPalette('input');
    await setParam(labels, 'shape', 'N');
    await page.locator(`[id="param-${labels}-dtype"]`).selectOption('int32');
    expect(await page.locator('.node').count()).toBe(7);
    expect(await page.locator(`[data-node-id="${loss}"]`).getAttribute('data-node-type')).toBe(
      'CrossEntropyLoss',
    );
    expect(await page.locator(`[data-node-id="${fc1}"]`).getAttribute('data-node-type')).toBe('Linear');

    await setParam(fc1, 'out_features', '128');
    await setParam(fc2, 'in_features', '128');
    await page.getByRole('button', { name: 'Fit graph in view' }).click();

    await connect(input, 'output', flatten, 'input');
    await connect(flatten, 'output', fc1, 'input');
    await connect(fc1, 'output', relu, 'input');
    await connect(relu, 'output', fc2, 'input');
    await connect(fc2, 'output', loss, 'input');
    await connect(labels, 'output', loss, 'target');
    expect((await edgeLabels()).sort()).toEqual(['N', 'N×1×28×28', 'N×10', 'N×128', 'N×128', 'N×784'].sort());
    expect(await status()).toContain('shapes check');
    await screenshot(page, 'built');

    // the second Linear expects the wrong width: its incoming edge turns red
    await setParam(fc2, 'in_features', '100');
    const bad = page.locator('.edge-label.edge-error');
    await expect.poll(() => bad.count()).toBe(1);
    expect(await bad.textContent()).toContain('N×128');
    expect(await page.locator(`[data-node-id="${fc2}"]`).getAttribute('class')).toContain('status-error');
    expect(await page.locator(`[data-node-id="${loss}"]`).getAttribute('class')).toContain('status-blocked');
    await bad.click();
    const popover = page.getByRole('dialog', { name: /Problems of/ });
    expect(await popover.getByTestId('diagnostic-message').textContent()).toBe(
      'mat1 and mat2 shapes cannot be multiplied (Nx128 and 100x10)',
    );
    await screenshot(page, 'error-popover');

    await popover.getByRole('button', { name: 'Set in_features to 128' }).click();
    await expect.poll(() => page.locator('.edge-error').count()).toBe(0);
    expect(await status()).toContain('shapes check');

    await page.locator('.canvas').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.edge-label.edge-error').count()).toBe(1);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.locator('.edge-label.edge-error').count()).toBe(0);
    await screenshot(page, 'fixed');

    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(await sheet.textContent()).toContain('Quick-add a node at the cursor');
    await screenshot(page, 'shortcuts');
    await page.keyboard.press('Escape');
    await expect.poll(() => sheet.count()).toBe(0);
  });

  it('restores the document and its undo history after a reload', async () => {
    const before = (await edgeLabels()).sort();
    await page.evaluate(() =>
      (
        window as unknown as { shapeflow: { autosave: { flush(): Promise<void> } } }
      ).shapeflow.autosave.flush(),
    );
    await page.reload();
    await page.waitForSelector('.node');
    expect(await page.locator('.node').count()).toBe(7);
    expect((await edgeLabels()).sort()).toEqual(before);
    expect(await page.getByRole('button', { name: 'Undo' }).isEnabled()).toBe(true);
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.edge-label.edge-error').count()).toBe(1);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.locator('.edge-label.edge-error').count()).toBe(0);
  });

  it('reports a malformed file dropped on the canvas and keeps the document', async () => {
    const before = (await edgeLabels()).sort();
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(
        new File(['{"format": "shapeflow.graph", "nodes": [oops'], 'broken.json', {
          type: 'application/json',
        }),
      );
      const canvas = document.querySelector('.canvas') as HTMLElement;
      canvas.dispatchEvent(
        new DragEvent('drop', {
          dataTransfer: data,
          bubbles: true,
          cancelable: true,
          clientX: 600,
          clientY: 300,
        }),
      );
    });
    const alert = page.locator('.message-error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Could not open broken.json');
    expect(await alert.textContent()).toContain('not valid JSON');
    expect(await page.locator('.node').count()).toBe(7);
    expect((await edgeLabels()).sort()).toEqual(before);
    await screenshot(page, 'malformed-drop');
  });

  it('runs live mode: a preview on every edge, the full tensor in the inspector, updated after an edit', async () => {
    await page.evaluate(`window.shapeflow.store.load(${JSON.stringify(mnistText)})`);
    await page.getByRole('button', { name: 'Fit graph in view' }).click();
    await page.getByRole('button', { name: 'Live', exact: true }).click();
    const previews = page.locator('[data-edge-preview] .tensor-preview');
    await expect.poll(() => previews.count()).toBe(8);
    expect(
      await page.locator('[data-edge-preview="edge:flatten_fc1"] .tensor-preview').getAttribute('data-shape'),
    ).toBe('64,784');
    await page.locator('[data-node-id="node:fc1"] .node-header').click();
    const grid = page.getByTestId('live-grid-output');
    expect(await grid.getAttribute('data-shape')).toBe('64,128');
    await setParam('node:fc1', 'out_features', '96');
    await expect.poll(() => grid.getAttribute('data-shape')).toBe('64,96');
    await page.keyboard.press('Control+z');
    await expect.poll(() => grid.getAttribute('data-shape')).toBe('64,128');
    // one at a time: each click removes a message, so positions shift (and messages also expire)
    const dismiss = page.getByRole('button', { name: 'Dismiss message' });
    for (let left = 10; left > 0 && (await dismiss.count()) > 0; left--)
      await dismiss
        .first()
        .click({ timeout: 2000 })
        .catch(() => undefined);
    await screenshot(page, `live-previews-${await theme()}`);
    await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
    await screenshot(page, `live-previews-${await theme()}`);
    expect(pageErrors).toEqual([]);
    // the L key switches it off and on again
    await page.keyboard.press('l');
    await expect.poll(() => previews.count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Live', exact: true }).getAttribute('aria-pressed')).toBe(
      'false',
    );
    await page.keyboard.press('l');
    await expect.poll(() => previews.count()).toBe(8);
    await page.getByRole('button', { name: 'Live', exact: true }).click();
    await expect.poll(() => previews.count()).toBe(0);
  });

  it('groups two nodes into a composite, opens it, edits inside with undo, and backs out', async () => {
    await page.locator('[data-node-id="node:fc2"] .node-header').click();
    await page.locator('[data-node-id="node:relu2"] .node-header').click({ modifiers: ['Shift'] });
    await page.keyboard.press('Control+g');
    const group = page.locator('.node.composite');
    await expect.poll(() => group.count()).toBe(1);
    await group.getByRole('button', { name: /^Open / }).click();
    const crumb = page.getByRole('navigation', { name: 'Graph level' });
    expect(await crumb.textContent()).toBe('MNIST MLP›Group');
    expect(await page.locator('.node').count()).toBe(2);
    expect(await edgeLabels()).toEqual(['N×64']);
    await setParam('node:fc2', 'out_features', '48');
    await expect.poll(edgeLabels).toEqual(['N×48']);
    await screenshot(page, 'composite-open');
    expect(await page.locator('.inspector h2').textContent()).toBe('fc2');
    await page.locator('.canvas').click({ position: { x: 400, y: 600 } });
    await page.keyboard.press('Control+z');
    await expect.poll(edgeLabels).toEqual(['N×64']);
    await crumb.getByRole('button', { name: 'MNIST MLP' }).click();
    await expect.poll(() => page.locator('.node').count()).toBe(8);
    expect(await status()).toContain('shapes check');
    await screenshot(page, 'composite-closed');
    expect(pageErrors).toEqual([]);
  });
});
