/**
 * End-to-end harness: a Vite dev server on a free port and Debian's Chromium driven by
 * playwright-core (headless). Screenshots go to test-results/screenshots/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = resolve('test-results/screenshots');

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createNetServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

export async function startApp(): Promise<{ server: ViteDevServer; url: string }> {
  const port = await freePort();
  const server = await createServer({
    configFile: resolve('vite.config.ts'),
    logLevel: 'error',
    server: { port, strictPort: true, host: '127.0.0.1', open: false, hmr: false },
  });
  await server.listen();
  return { server, url: `http://127.0.0.1:${port}/` };
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error('Chromium is missing: run: sudo bash scripts/install-system-deps.sh');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** A page on the editor, its errors logged, once the canvas shows nodes (a cold dev server can take a while). */
export async function openEditor(
  browser: Browser,
  url: string,
  options: Parameters<Browser['newPage']>[0] = {},
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, ...options });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url, { timeout: 90_000 });
  await page.waitForSelector('.node', { timeout: 30_000 });
  return page;
}

/** Load a template's JSON into the editor as a user opening it would. */
export async function loadTemplate(page: Page, name: string): Promise<void> {
  await page.evaluate(
    (text) => {
      (window as unknown as { shapeflow: { store: { load(t: string): unknown } } }).shapeflow.store.load(
        text,
      );
    },
    readFileSync(`templates/${name}.json`, 'utf8'),
  );
  await page.waitForSelector('.node');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`) });
}
