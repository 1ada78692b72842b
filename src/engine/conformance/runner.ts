import type { Backend } from '../backend.ts';
import type { CaseResult, FamilyRunner, RefCase, RefFamily } from './types.ts';

export interface FamilyReport {
  family: string;
  results: CaseResult[];
}

/** What a case is about, for per-op tables: its op, optimizer, scheduler or init. */
export function caseSubject(c: RefCase): string {
  for (const k of ['op', 'optimizer', 'scheduler', 'init'])
    if (typeof c[k] === 'string') return c[k] as string;
  return c.id.replace(/_?\d+$/, '');
}

/**
 * Run every case of the given families. A family without a runner, or a case whose runner
 * throws, counts as failed: nothing is skipped silently.
 */
export async function runFamilies(
  families: RefFamily[],
  runners: Record<string, FamilyRunner>,
  backend: Backend,
  filter: (family: string, c: RefCase) => boolean = () => true,
): Promise<FamilyReport[]> {
  const reports: FamilyReport[] = [];
  for (const fam of families) {
    const runner = runners[fam.family];
    const results: CaseResult[] = [];
    for (const c of fam.cases) {
      if (!filter(fam.family, c)) continue;
      if (!runner) {
        results.push({
          id: c.id,
          ok: false,
          unsupported: true,
          message: `family '${fam.family}' not supported yet`,
        });
        continue;
      }
      try {
        results.push(await runner(c, { backend }));
      } catch (e) {
        results.push({ id: c.id, ok: false, message: `runner crashed: ${(e as Error).stack ?? e}` });
      }
    }
    reports.push({ family: fam.family, results });
  }
  return reports;
}

const fmt = (x: number | undefined) => (x === undefined || x === 0 ? '-' : x.toExponential(1));

/** A table per family, the failing ids with their errors, and the final `N passed, N failed`. */
export function formatReport(reports: FamilyReport[]): string {
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  for (const r of reports) {
    const p = r.results.filter((x) => x.ok).length;
    const u = r.results.filter((x) => x.unsupported).length;
    const f = r.results.length - p;
    passed += p;
    failed += f;
    const worstAbs = Math.max(0, ...r.results.map((x) => (Number.isFinite(x.maxAbs) ? (x.maxAbs ?? 0) : 0)));
    lines.push(
      `${r.family.padEnd(14)} ${String(p).padStart(4)} passed ${String(f).padStart(4)} failed${u ? ` (${u} unsupported)` : ''}   max abs err ${fmt(worstAbs)}`,
    );
    for (const x of r.results.filter((x) => !x.ok)) {
      const err =
        x.maxAbs !== undefined && Number.isFinite(x.maxAbs)
          ? ` [max abs ${fmt(x.maxAbs)}, rel ${fmt(x.maxRel)}]`
          : '';
      lines.push(
        `  ✗ ${x.id}${x.unsupported ? ' (unsupported)' : ''}: ${(x.message ?? '').split('\n')[0]}${err}`,
      );
    }
  }
  lines.push(`${passed} passed, ${failed} failed`);
  return lines.join('\n');
}

export function totals(reports: FamilyReport[]): { passed: number; failed: number } {
  const all = reports.flatMap((r) => r.results);
  const passed = all.filter((r) => r.ok).length;
  return { passed, failed: all.length - passed };
}
