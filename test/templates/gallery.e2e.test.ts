/**
 * The gallery and the diff view in a real browser (Debian's Chromium, headless), on the
 * preview page: cards render, search narrows them, markup in template strings stays text,
 * and a diff of two templates is marked. Screenshots land in test-results/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startApp } from '../e2e/harness.ts';

let server: ViteDevServer;
let url: string;
let browser: Browser;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  ({ server, url } = await startApp());
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => errors.push(e.message));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the template gallery in Chromium', () => {
  it('shows the templates as cards with thumbnails, and search narrows them', async () => {
    await page.goto(`${url}src/ui/gallery/preview.html`);
    await page.waitForSelector('.gallery-card');
    const count = await page.locator('.gallery-card').count();
    expect(count).toBeGreaterThan(20);
    expect(await page.locator('[data-template="googlenet"] svg rect').count()).toBeGreaterThan(100);
    await screenshot(page, 'gallery');
    await page.fill('.gallery-search', 'attention');
    await expect.poll(() => page.locator('.gallery-card').count()).toBeLessThan(count);
    await screenshot(page, 'gallery-search-attention');
    await page.locator('[data-template="vit_mnist"] .gallery-open').click();
    expect(
      await page.evaluate(() => (window as unknown as { galleryOpened: string[] }).galleryOpened),
    ).toEqual(['ViT on MNIST']);
    expect(errors).toEqual([]);
  }, 60_000);

  it('plots the SGD-vs-momentum paths in its card, in both themes', async () => {
    for (const theme of ['dark', 'light']) {
      await page.goto(`${url}src/ui/gallery/preview.html?theme=${theme}`);
      await page.fill('.gallery-search', 'momentum');
      const card = page.locator('[data-template="sgd_vs_momentum"]');
      await card.locator('.gallery-plot').click();
      await card.locator('.trajectory-path').nth(1).waitFor();
      expect(await card.locator('.trajectory-path polyline').count()).toBe(2);
      await screenshot(page, `gallery-trajectories-${theme}`);
    }
    expect(errors).toEqual([]);
  }, 60_000);

  it('renders markup in a template’s strings as text', async () => {
    await page.goto(`${url}src/ui/gallery/preview.html?markup=1`);
    await page.waitForSelector('[data-template="markup"]');
    const card = page.locator('[data-template="markup"]');
    expect(await card.locator('img, script, b').count()).toBe(0);
    expect(await card.locator('h3').textContent()).toBe('<img src=x onerror="window.pwned=1">Markup title');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  }, 30_000);

  it('marks the differences of two templates and lists them', async () => {
    await page.goto(`${url}src/ui/gallery/preview.html?view=diff&a=resnet18&b=densenet`);
    await page.waitForSelector('.diff-view');
    expect(await page.locator('.mark-removed').count()).toBeGreaterThan(0);
    expect(await page.locator('.mark-added').count()).toBeGreaterThan(0);
    await screenshot(page, 'diff-resnet18-densenet');
    await page.goto(`${url}src/ui/gallery/preview.html?view=diff`);
    await page.waitForSelector('.diff-changes li');
    await screenshot(page, 'diff-post-vs-pre-norm');
    // a document and its later version: types swapped, a conv widened, dropout added
    await page.goto(`${url}src/ui/gallery/preview.html?view=diff&a=lenet&b=lenet-edited&theme=light`);
    await page.waitForSelector('.diff-shapes li');
    expect(await page.locator('.mark-added').count()).toBe(1);
    expect(await page.locator('.diff-changes').first().textContent()).toContain(
      'node:sigmoid: type Sigmoid → ReLU',
    );
    expect(await page.locator('.diff-shapes').first().textContent()).toContain(
      'node:conv2d.output [N, 6, 28, 28] → [N, 16, 28, 28]',
    );
    await screenshot(page, 'diff-lenet-edited');
    expect(errors).toEqual([]);
  }, 60_000);

  it('diffs a template against the open graph from its card', async () => {
    await page.goto(`${url}src/ui/gallery/preview.html?current=lenet-edited`);
    await page.fill('.gallery-search', 'lenet');
    await page.locator('[data-template="lenet"] .gallery-diff').click();
    await page.waitForSelector('.gallery-compare .diff-view');
    expect(await page.locator('.gallery-compare .mark-added').count()).toBe(1);
    await screenshot(page, 'gallery-diff-with-my-graph');
    await page.locator('.gallery-compare-bar button').click();
    await page.waitForSelector('[data-template="lenet"]');
    expect(errors).toEqual([]);
  }, 30_000);

  it('compares two real runs: their graphs diffed, their loss curves overlaid in one chart', async () => {
    await page.goto(`${url}src/ui/gallery/preview.html?view=runs`);
    const chart = page.locator('[data-testid="diff-runs"]');
    await chart.waitFor({ timeout: 60_000 });
    // train and validation curves of each run: 4 curves, 50 steps each (two epochs of 25)
    expect(await chart.getAttribute('data-curves')).toBe('4');
    expect(await chart.getAttribute('data-points')).toBe('50');
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('.diff-runs figcaption').textContent()).toContain(
      'SGD + momentum (seed 0, 09:01)',
    );
    expect(await page.locator('.diff-changes').first().textContent()).toContain(
      'node:minibatch_sgd.momentum: 0 → 0.9',
    );
    await screenshot(page, 'diff-two-runs');
    expect(errors).toEqual([]);
  }, 30_000);
});
