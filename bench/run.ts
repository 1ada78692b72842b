/**
 * `npm run bench [-- section ...]`: runs the benchmark sections (all by default, or the named
 * ones) and prints one markdown table each, after a header naming the machine.
 *
 * To add a section: write `bench/<name>.ts` exporting a `BenchSection` (see measure.ts: a
 * name and an async `run()` returning a table), and append it to `sections` below.
 */
import { cpus, loadavg, platform, totalmem } from 'node:os';
import { cpuSection } from './cpu.ts';
import { deviceSection } from './device.ts';
import { graphSection } from './graph.ts';
import { type BenchSection, formatTable } from './measure.ts';
import { placementSection } from './placement.ts';
import { uiSection } from './ui.ts';
import { webgpuSection } from './webgpu.ts';
import { webgpuBrowserSection } from './webgpu-browser.ts';

export const sections: BenchSection[] = [
  cpuSection,
  graphSection,
  webgpuSection,
  placementSection,
  webgpuBrowserSection,
  uiSection,
  deviceSection,
];

function machine(): string {
  const cores = cpus();
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  return `${cores[0]?.model ?? 'unknown CPU'} × ${cores.length} logical cores, ${gib} GiB, ${platform()}, Node ${process.versions.node}`;
}

/** Other work on the machine skews wall-clock times: say how busy it was. */
function load(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} (1 / 5 / 15 min)`;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !sections.some((s) => s.name === w));
  if (unknown.length) {
    console.error(
      `unknown bench section(s): ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}`,
    );
    process.exitCode = 2;
    return;
  }
  console.log(`# Shapeflow benchmarks\n\nmachine: ${machine()}; ${load()}\n`);
  for (const section of sections) {
    if (wanted.length && !wanted.includes(section.name)) continue;
    console.log(formatTable(await section.run()));
    console.log(`\n${section.name} done; ${load()}\n`);
  }
}

await main();
