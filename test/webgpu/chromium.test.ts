import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, launchBrowser, startApp } from '../e2e/harness.ts';
import type { BrowserReport } from './browser/conformance.ts';

/** WebGPU in headless Chromium: its own adapter (SwiftShader without a GPU). */
const WEBGPU_FLAGS = ['--enable-features=Vulkan', '--ignore-gpu-blocklist'];

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    '\n!!!!! WebGPU BROWSER TESTS SKIPPED: no Chromium. Run: sudo bash scripts/install-system-deps.sh\n',
  );
}

describe.skipIf(!hasChromium)('the WebGPU backend in headless Chromium', () => {
  it('passes every claimed ops, losses and autograd case', { timeout: 600_000 }, async () => {
    const { server, url } = await startApp();
    const browser = await launchBrowser(WEBGPU_FLAGS);
    try {
      const page = await browser.newPage();
      await page.goto(`${url}test/webgpu/browser/conformance.html`);
      await page.waitForFunction(() => 'conformanceReport' in window, undefined, { timeout: 580_000 });
      const report = (await page.evaluate(
        () => (window as unknown as { conformanceReport: unknown }).conformanceReport,
      )) as BrowserReport;
      console.log(`WebGPU in Chromium (${report.adapter}):\n${report.text}`);
      expect(report.failed, report.text).toBe(0);
      expect(report.passed).toBeGreaterThan(0);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
