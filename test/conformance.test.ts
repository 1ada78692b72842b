import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadFamilies } from '../src/engine/conformance/load.ts';
import { caseSubject, formatReport, runFamilies } from '../src/engine/conformance/runner.ts';
import { cpuBackend } from '../src/engine/index.ts';
import { allFamilies } from '../src/cli/families.ts';
import { testBackends } from './backends.ts';

type Claims = Record<string, 'all' | string[]>;

const claims = JSON.parse(
  readFileSync(new URL('../conformance-claims.json', import.meta.url), 'utf8'),
) as Claims;
const families = loadFamilies(new URL('./reference', import.meta.url).pathname);

function claimed(family: string, subject: string): boolean {
  const c = claims[family];
  return c === 'all' || (Array.isArray(c) && c.includes(subject));
}

describe.each(await testBackends())('reference conformance on $name', (backend) => {
  for (const fam of families) {
    const claim = claims[fam.family];
    if (!claim || (Array.isArray(claim) && claim.length === 0)) continue;
    it(`passes every claimed ${fam.family} case (${claim === 'all' ? 'all' : claim.join(', ')})`, async () => {
      const reports = await runFamilies([fam], allFamilies, backend, (f, c) => claimed(f, caseSubject(c)));
      const results = reports[0].results;
      expect(results.length).toBeGreaterThan(0);
      const failed = results.filter((r) => !r.ok);
      expect(failed, formatReport(reports)).toEqual([]);
    });
  }
});

describe('the claims list', () => {
  it('names only families and subjects that exist in the reference', () => {
    for (const [family, claim] of Object.entries(claims)) {
      if (family.startsWith('$')) continue;
      const fam = families.find((f) => f.family === family);
      expect(fam, `family ${family}`).toBeDefined();
      if (Array.isArray(claim)) {
        const subjects = new Set(fam!.cases.map(caseSubject));
        for (const s of claim) expect(subjects.has(s), `${family}/${s}`).toBe(true);
      }
    }
  });

  it('runs on the CPU reference backend at least', async () => {
    expect((await testBackends()).map((b) => b.name)).toContain(cpuBackend.name);
  });
});
