/**
 * Placement section: is a small tensor faster on the CPU backend than on WebGPU? The same op on
 * each, inputs already resident, timed to the value in hand (`await data()`), for growing sizes:
 * the row where WebGPU starts to win is where keeping work on the CPU stops paying.
 */
import type { Backend } from '../src/engine/backend.ts';
import { cpuBackend } from '../src/engine/index.ts';
import { tensor } from '../src/engine/create.ts';
import { run } from '../src/engine/dispatch.ts';
import type { Tensor } from '../src/engine/tensor.ts';
import type { BenchSection, BenchTable } from './measure.ts';

interface Case {
  label: string;
  /** the op on inputs made for this backend */
  make(backend: Backend): () => Tensor;
}

const filled = (n: number, backend: Backend, shape: number[]) =>
  tensor(
    Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 13) / 13 - 0.5),
    shape,
    'float32',
    backend,
  );

const cases: Case[] = [8, 32, 128, 512].flatMap((n): Case[] => [
  {
    label: `matmul ${n}×${n}`,
    make: (b) => {
      const [x, y] = [filled(n * n, b, [n, n]), filled(n * n, b, [n, n])];
      return () => run('matmul', [x, y]);
    },
  },
  {
    label: `relu(a + b), ${n * n} elements`,
    make: (b) => {
      const [x, y] = [filled(n * n, b, [n * n]), filled(n * n, b, [n * n])];
      return () => run('relu', [run('add', [x, y])]);
    },
  },
]);

async function medianMs(f: () => Tensor, runs = 15): Promise<number> {
  for (let i = 0; i < 3; i++) await f().data();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f().data();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[runs >> 1];
}

export const placementSection: BenchSection = {
  name: 'placement',
  async run(): Promise<BenchTable> {
    const title = 'Small tensors: CPU backend vs WebGPU, to the value in hand (Node, Dawn)';
    const { createNodeWebGPUBackend } = await import('../src/engine/backends/webgpu/node.ts');
    const created = await createNodeWebGPUBackend();
    if (!created.backend)
      return { title, columns: ['case'], rows: [], notes: [`skipped: ${created.reason}`] };
    const gpu = created.backend as Backend & { adapterName: string };
    const rows: string[][] = [];
    for (const c of cases) {
      const cpu = await medianMs(c.make(cpuBackend));
      const wgpu = await medianMs(c.make(gpu));
      rows.push([c.label, cpu.toFixed(3), wgpu.toFixed(3), cpu <= wgpu ? 'CPU' : 'WebGPU']);
    }
    return {
      title,
      columns: ['case', 'cpu ms', 'webgpu ms', 'faster'],
      rows,
      notes: [
        `adapter: ${gpu.adapterName}; median of 15 after 3 warm-ups; each run ends with \`await data()\``,
        'a software adapter shares the CPU: on a real GPU the crossover moves to smaller sizes for compute, while the read-back latency stays',
      ],
    };
  },
};
