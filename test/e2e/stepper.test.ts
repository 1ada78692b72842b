/**
 * Backward mode in the real page: step a 2-layer MLP with softmax-cross-entropy and check, at
 * every step, that the numbers the card shows equal the study notes' manual backprop
 * (δ = (p − y)/N; db = Σδ; dW = δᵀx; dx = δW; ReLU mask) computed here in float64 from the
 * forward values the card also shows. Then step back with ← and check each view comes back
 * exactly. Screenshots: test-results/screenshots/stepper-*.png.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphDocument, saveDocument } from '../../src/graph/index.ts';
import { mlpDocument, xorWithProbe } from '../stepper/graphs.ts';
import { close, type MlpGrads, mlpBackprop } from '../stepper/manual.ts';
import { launchBrowser, screenshot, startApp } from './harness.ts';

interface Grid {
  shape: number[];
  values: number[];
}

/** What the step card shows, read from the page: every grid's shape and cell values. */
interface CardSnapshot {
  step: number;
  op: string;
  node: string;
  position: string;
  rule: string;
  upstream: Grid | null;
  mask: Grid | null;
  produced: Record<string, Grid>;
  accumulations: { label: string; contributions: number; total: Grid | null }[];
  forward: Record<string, Grid>;
  ringed: string | null;
  edgeNorms: Record<string, number>;
}

async function readCard(page: Page): Promise<CardSnapshot> {
  return page.evaluate(() => {
    const grid = (el: Element | null) => {
      const t = el?.matches('.tensor') ? el : el?.querySelector('.tensor');
      if (!t) return null;
      const shape = (t.getAttribute('data-shape') ?? '').split(',').filter(Boolean).map(Number);
      const values = [...t.querySelectorAll('.cell')].map((c) => Number(c.getAttribute('title')));
      return { shape, values };
    };
    const card = document.querySelector('[data-testid="stepper-card"]')!;
    const byPrefix = (prefix: string) =>
      Object.fromEntries(
        [...card.querySelectorAll(`[data-testid^="${prefix}"]`)].map((el) => [
          el.getAttribute('data-testid')!.slice(prefix.length),
          grid(el)!,
        ]),
      );
    const edgeNorms = Object.fromEntries(
      [...document.querySelectorAll('[data-stepper-edge]')].map((g) => [
        g.getAttribute('data-stepper-edge')!,
        Number(g.getAttribute('data-norm')),
      ]),
    );
    return {
      step: Number(card.getAttribute('data-step')),
      op: card.getAttribute('data-op') ?? '',
      node: card.getAttribute('data-node') ?? '',
      position: document.querySelector('[data-testid="stepper-position"]')?.textContent ?? '',
      rule: card.querySelector('[data-testid="stepper-rule"]')?.textContent ?? '',
      upstream: grid(card.querySelector('[data-testid="stepper-upstream-0"]')),
      mask: grid(card.querySelector('[data-testid="stepper-mask"]')),
      produced: byPrefix('stepper-produced-'),
      accumulations: [...card.querySelectorAll('[data-testid^="stepper-accum-"][data-contributions]')].map(
        (el) => ({
          label: el.querySelector('.stepper-item-label')?.textContent ?? '',
          contributions: Number(el.getAttribute('data-contributions')),
          total: grid(el.querySelector(`[data-testid="${el.getAttribute('data-testid')}-total"]`)),
        }),
      ),
      forward: byPrefix('stepper-forward-'),
      ringed: document.querySelector('[data-stepper-node]')?.getAttribute('data-stepper-node') ?? null,
      edgeNorms,
    };
  });
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** The test helper lines nodes up 100 px apart; the canvas needs room for each (and the badges above). */
function spaced(document: GraphDocument): GraphDocument {
  document.nodes.forEach((n, i) => {
    n.position = { x: 260 * i, y: 120 + (i % 2) * 40 };
  });
  return document;
}

/** Replace the page's document (a template's JSON or a saved document) and fit it in view. */
async function loadDocument(page: Page, text: string): Promise<void> {
  const loaded = await page.evaluate((t) => {
    const app = (window as unknown as { shapeflow: { store: { load(t: string): { ok: boolean } } } })
      .shapeflow;
    return app.store.load(t).ok;
  }, text);
  expect(loaded).toBe(true);
  await page.getByRole('button', { name: 'Fit graph in view' }).click();
}

describe('backward mode in the browser', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const app = await startApp();
    server = app.server;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(app.url);
    await page.waitForSelector('.canvas');
    await page.waitForFunction(() => !!(window as unknown as { shapeflow?: unknown }).shapeflow);
    const loaded = await page.evaluate((text) => {
      const app = (window as unknown as { shapeflow: { store: { load(t: string): { ok: boolean } } } })
        .shapeflow;
      return app.store.load(text).ok;
    }, saveDocument(mlpDocument()));
    expect(loaded).toBe(true);
    await page.getByRole('button', { name: 'Fit graph in view' }).click();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('steps the MLP and shows, at every step, what the manual formulas give; stepping back restores each view', async () => {
    await page.getByTestId('stepper-toggle').click();
    await page.getByTestId('stepper-start').click();
    await page.waitForSelector('[data-testid="stepper-card"]');

    const seen: CardSnapshot[] = [await readCard(page)];
    await screenshot(page, 'stepper-0-start');
    for (let i = 1; i <= 4; i++) {
      await page.getByTestId('stepper-next').click();
      await page.waitForSelector(`[data-testid="stepper-card"][data-step="${i - 1}"]`);
      seen.push(await readCard(page));
      await screenshot(page, `stepper-${i}-${seen[i].op}-${seen[i].node.replace('node:', '')}`);
    }
    expect(seen.map((s) => s.node)).toEqual(['node:loss', 'node:loss', 'node:fc2', 'node:relu', 'node:fc1']);
    // at the last step, each layer's gradient health
    const healthRows = await page
      .getByTestId('stepper-health')
      .locator('[data-node]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node')));
    expect(healthRows.sort()).toEqual(['node:fc1', 'node:fc2', 'node:relu']);
    expect(seen.map((s) => s.ringed)).toEqual(seen.map((s) => s.node));
    expect(seen.map((s) => s.position)).toEqual(['start / 4', '1 / 4', '2 / 4', '3 / 4', '4 / 4']);
    const [start, loss, fc2, relu, fc1] = seen;

    // the forward values the card shows, then the notes' backprop on them, in float64
    const m: MlpGrads = mlpBackprop({
      x: fc1.forward.input.values,
      y: loss.forward.target.values,
      W1: fc1.forward.weight.values,
      b1: fc1.forward.bias.values,
      W2: fc2.forward.weight.values,
      b2: fc2.forward.bias.values,
      N: 4,
      D: 4,
      H: 5,
      C: 3,
    });
    expect(close(loss.forward.input.values, m.z)).toBe(true);
    expect(close(relu.forward.input.values, m.a)).toBe(true);
    expect(close(fc2.forward.input.values, m.h)).toBe(true);

    // start: the loss lights up with ∂L/∂L = 1
    expect(start.upstream).toEqual({ shape: [], values: [1] });
    expect(start.rule).toContain(`L = `);
    expect(Object.keys(start.edgeNorms)).toEqual([]);

    // softmax-cross-entropy: δ = (softmax(z) − onehot(y)) / N
    expect(loss.rule).toBe('∂L/∂z = (softmax(z) − onehot(y)) / N');
    expect(loss.produced.input.shape).toEqual([4, 3]);
    expect(close(loss.produced.input.values, m.delta)).toBe(true);
    expect(loss.edgeNorms['edge:fc2-loss-input']).toBeCloseTo(norm(m.delta), 5);

    // Linear 2: δ arrives; dW = δᵀh, db = Σδ, dh = δW
    expect(fc2.rule).toBe('dW = δᵀx, db = Σδ, dx = δW');
    expect(close(fc2.upstream!.values, m.delta)).toBe(true);
    expect(close(fc2.produced.weight.values, m.dW2)).toBe(true);
    expect(close(fc2.produced.bias.values, m.db2)).toBe(true);
    expect(close(fc2.produced.x.values, m.dh)).toBe(true);
    expect(fc2.produced.weight.shape).toEqual([3, 5]);

    // ReLU: the mask gates the gradient
    expect(relu.mask?.values).toEqual(m.mask);
    expect(close(relu.upstream!.values, m.dh)).toBe(true);
    expect(close(relu.produced.x.values, m.dA)).toBe(true);

    // Linear 1: dW = δᵀx, db = Σδ, dx = δW (the sample batch records gradients too)
    expect(close(fc1.upstream!.values, m.dA)).toBe(true);
    expect(close(fc1.produced.weight.values, m.dW1)).toBe(true);
    expect(close(fc1.produced.bias.values, m.db1)).toBe(true);
    expect(close(fc1.produced.x.values, m.dx)).toBe(true);

    // every edge crossed so far is coloured by its gradient's norm
    expect(fc1.edgeNorms['edge:fc2-loss-input']).toBeCloseTo(norm(m.delta), 5);
    expect(fc1.edgeNorms['edge:relu-fc2-input']).toBeCloseTo(norm(m.dh), 5);
    expect(fc1.edgeNorms['edge:fc1-relu-input']).toBeCloseTo(norm(m.dA), 5);
    expect(fc1.edgeNorms['edge:x-fc1-input']).toBeCloseTo(norm(m.dx), 5);
    expect(fc1.edgeNorms['edge:y-loss-target']).toBeUndefined();

    // ← steps back; each earlier view comes back exactly as it was shown
    await page.locator('.canvas').hover();
    for (let i = 3; i >= 0; i--) {
      await page.keyboard.press('ArrowLeft');
      await page.waitForSelector(`[data-testid="stepper-card"][data-step="${i - 1}"]`);
      expect(await readCard(page)).toEqual(seen[i]);
    }
    // → steps forward again, Shift+→ steps over a node
    await page.keyboard.press('ArrowRight');
    expect(await readCard(page)).toEqual(seen[1]);
    await page.keyboard.press('Shift+ArrowRight');
    expect(await readCard(page)).toEqual(seen[2]);
    await screenshot(page, 'stepper-5-back-at-fc2');
  }, 120_000);

  it('checks the gradients of the whole graph and shows each tensor’s relative error', async () => {
    await page.getByTestId('stepper-gradcheck').click();
    const report = page.getByTestId('stepper-gradcheck-report');
    await report.waitFor();
    expect(await report.getAttribute('data-pass')).toBe('true');
    const rows = await report.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        tensor: tr.getAttribute('data-tensor'),
        error: Number(tr.children[2].textContent),
      })),
    );
    expect(rows.map((r) => r.tensor).sort()).toEqual(
      ['node:fc1/bias', 'node:fc1/weight', 'node:fc2/bias', 'node:fc2/weight', 'node:x'].sort(),
    );
    expect(rows.every((r) => r.error < 1e-3)).toBe(true);
    await screenshot(page, 'stepper-6-gradcheck');
  }, 60_000);

  it('one chosen example: the steps show its gradients alone (N = 1), as the notes give them for one row', async () => {
    await loadDocument(page, saveDocument(mlpDocument()));
    await page.getByTestId('stepper-sample').selectOption('2');
    await page.getByTestId('stepper-start').click();
    await page.waitForSelector('[data-testid="stepper-sample-note"]');
    expect(await page.getByTestId('stepper-sample-note').textContent()).toContain(
      'Example 2 of the sample batch of 4',
    );
    for (let i = 1; i <= 4; i++) {
      await page.getByTestId('stepper-next').click();
      await page.waitForSelector(`[data-testid="stepper-card"][data-step="${i - 1}"]`);
    }
    const fc1 = await readCard(page);
    await page.getByTestId('stepper-previous').click();
    await page.getByTestId('stepper-previous').click();
    const fc2 = await readCard(page);
    await page.getByTestId('stepper-previous').click();
    const loss = await readCard(page);
    expect(fc1.forward.input.shape).toEqual([1, 4]);
    const m = mlpBackprop({
      x: fc1.forward.input.values,
      y: loss.forward.target.values,
      W1: fc1.forward.weight.values,
      b1: fc1.forward.bias.values,
      W2: fc2.forward.weight.values,
      b2: fc2.forward.bias.values,
      N: 1,
      D: 4,
      H: 5,
      C: 3,
    });
    expect(loss.produced.input.shape).toEqual([1, 3]);
    expect(close(loss.produced.input.values, m.delta)).toBe(true);
    expect(close(fc2.produced.weight.values, m.dW2)).toBe(true);
    expect(close(fc1.produced.weight.values, m.dW1)).toBe(true);
    await screenshot(page, 'stepper-7-one-example');
    await page.getByTestId('stepper-sample').selectOption('batch');
  }, 60_000);

  it('the branching autograd template: x collects 4 from the square and 3 from the multiply, 4 + 3 = 7', async () => {
    await loadDocument(
      page,
      readFileSync(new URL('../../templates/autograd_branching.json', import.meta.url), 'utf8'),
    );
    await page.getByTestId('stepper-start').click();
    await page.waitForSelector('[data-testid="stepper-card"][data-step="-1"][data-node="node:y"]');
    const shown: { node: string; sum: string | null; produced: Record<string, Grid> }[] = [];
    for (let i = 1; i <= 3; i++) {
      await page.getByTestId('stepper-next').click();
      await page.waitForSelector(`[data-testid="stepper-card"][data-step="${i - 1}"]`);
      const card = await readCard(page);
      const sum = await page.locator('[data-testid="stepper-card"] .stepper-sum').allTextContents();
      shown.push({ node: card.node, sum: sum.join(' ').trim() || null, produced: card.produced });
    }
    expect(shown.map((s) => s.node)).toEqual(['node:y', 'node:sq', 'node:lin']);
    // the square sends 2x = 4, the multiply 3; the second arrival shows both paths and their sum
    expect(shown[1].produced.x.values).toEqual([4]);
    expect(shown[2].produced.b.values).toEqual([3]);
    expect(shown[1].sum).toBeNull();
    expect(shown[2].sum).toBe('· 2 paths: 4 + 3 = 7');
    const total = await page.getByTestId('stepper-accum-0-total').locator('.cell').getAttribute('title');
    expect(Number(total)).toBe(7);
    await screenshot(page, 'stepper-8-branching-4-plus-3');
  }, 60_000);

  it('training: a saturated sigmoid is badged on its node, and a probe pauses the run and shows its tensor', async () => {
    const closeBackward = page.getByRole('button', { name: 'Close backward mode' });
    if (await closeBackward.isVisible()) await closeBackward.click();
    // weights drawn with σ = 30 push the sigmoid into its flat tails; the probe stops at step 12
    await loadDocument(
      page,
      saveDocument(
        spaced(
          xorWithProbe(
            { condition: 'every_k', every: 12 },
            { activation: 'Sigmoid', fc1: { init: 'normal', init_std: 30 } },
          ),
        ),
      ),
    );
    await page.getByTestId('training-toggle').click();
    await page.getByTestId('training-backend-cpu').check();
    await page.getByTestId('training-run').click();
    const hit = page.getByTestId('probe-hit');
    await hit.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('training-state').getAttribute('data-state')).toBe('paused');
    expect(await page.getByTestId('probe-reason').textContent()).toBe('step 12 (every 12)');
    expect(await page.getByTestId('probe-tensor').getAttribute('data-shape')).toBe('20,16');
    const badge = page.locator('[data-testid="health-badge"][data-node="node:act"]');
    await badge.waitFor();
    expect(await badge.getAttribute('data-flags')).toContain('saturated');
    expect(await badge.getAttribute('title')).toMatch(/saturated \d+ %/);
    await screenshot(page, 'stepper-9-training-probe-and-health');
    await page.getByTestId('training-stop').click();
    // grouped into a composite: the inner sigmoid badges the composite, the inner probe rings it
    await page.evaluate(() =>
      (window as unknown as { shapeflow: { store: { apply(e: unknown): unknown } } }).shapeflow.store.apply({
        kind: 'group',
        ids: ['node:fc1', 'node:act', 'node:probe'],
        compositeId: 'node:block',
      }),
    );
    await page.getByTestId('training-run').click();
    await page
      .locator('[data-testid="probe-hit"][data-node="node:block/node:probe"]')
      .waitFor({ timeout: 60_000 });
    const blockBadge = page.locator('[data-testid="health-badge"][data-node="node:block"]');
    await blockBadge.waitFor();
    expect(await blockBadge.getAttribute('data-layers')).toContain('node:block/node:act');
    expect(await blockBadge.getAttribute('data-flags')).toContain('saturated');
    await screenshot(page, 'stepper-10-health-and-probe-in-composite');
    await page.getByTestId('training-stop').click();
  }, 180_000);
});
