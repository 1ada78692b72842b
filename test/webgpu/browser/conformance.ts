/**
 * The reference conformance cases on the WebGPU backend in a real browser (test/webgpu/
 * chromium.test.ts loads this page in headless Chromium). Runs the claimed cases of the
 * families whose values the backend computes, and leaves the report on `window`.
 */

import claims from '../../../conformance-claims.json';
import { createWebGPUBackend } from '../../../src/engine/backends/webgpu/index.ts';
import { engineFamilies } from '../../../src/engine/conformance/families/index.ts';
import { caseSubject, formatReport, runFamilies, totals } from '../../../src/engine/conformance/runner.ts';
import type { RefFamily } from '../../../src/engine/conformance/types.ts';

export interface BrowserReport {
  adapter: string;
  passed: number;
  failed: number;
  text: string;
}

const FAMILIES = ['ops', 'losses', 'autograd'];

async function main(): Promise<BrowserReport> {
  const backend = await createWebGPUBackend(navigator.gpu);
  if (!backend) throw new Error('no WebGPU adapter in this browser');
  const files = import.meta.glob('/test/reference/cases/*.json', {
    import: 'default',
    eager: true,
  }) as Record<string, RefFamily>;
  const families = Object.values(files).filter((f) => FAMILIES.includes(f.family));
  const claimed = claims as Record<string, string | string[]>;
  const isClaimed = (family: string, subject: string) => {
    const c = claimed[family];
    return c === 'all' || (Array.isArray(c) && c.includes(subject));
  };
  const reports = await runFamilies(families, engineFamilies, backend, (f, c) =>
    isClaimed(f, caseSubject(c)),
  );
  return { adapter: backend.adapterName, ...totals(reports), text: formatReport(reports) };
}

const done = main().catch((e: Error) => ({
  adapter: '',
  passed: 0,
  failed: -1,
  text: `crashed: ${e.stack ?? e}`,
}));
done.then((report) => {
  (window as unknown as { conformanceReport: BrowserReport }).conformanceReport = report;
  document.getElementById('report')!.textContent = `${report.adapter}\n${report.text}`;
});
