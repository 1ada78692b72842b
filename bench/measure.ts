/** What a bench section returns, and how sections time things. */

export interface BenchTable {
  title: string;
  columns: string[];
  rows: string[][];
  /** lines printed under the table (layouts, caveats) */
  notes?: string[];
}

export interface BenchSection {
  /** short name, used to pick sections on the command line: `npm run bench -- cpu` */
  name: string;
  run(): Promise<BenchTable>;
}

export interface Timing {
  warmup?: number;
  runs?: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * Median milliseconds of each contender. Runs alternate between contenders (A, B, A, B, …)
 * after the warm-up, so a burst of load on a shared machine hits both alike.
 */
export function compareMedians(contenders: (() => void)[], { warmup = 2, runs = 7 }: Timing = {}): number[] {
  for (let i = 0; i < warmup; i++) for (const f of contenders) f();
  const times = contenders.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    contenders.forEach((f, i) => {
      const t0 = performance.now();
      f();
      times[i].push(performance.now() - t0);
    });
  }
  return times.map(median);
}

export function formatTable({ title, columns, rows, notes }: BenchTable): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [
    `## ${title}`,
    '',
    line(columns),
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
    ...(notes?.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
  ].join('\n');
}
