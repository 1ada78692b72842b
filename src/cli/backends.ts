import type { Backend } from '../engine/backend.ts';
import { cpuBackend } from '../engine/index.ts';

/** Backends the CLI can run on; WebGPU in Node comes from the `webgpu` package (Dawn). */
export async function backendByName(name: string): Promise<Backend> {
  if (name === 'cpu') return cpuBackend;
  // @group webgpu-backend
  if (name === 'webgpu') {
    const { createNodeWebGPUBackend } = await import('../engine/backends/webgpu/node.ts');
    const { backend, reason } = await createNodeWebGPUBackend();
    if (!backend)
      throw new Error(
        `--backend webgpu: ${reason}; install it with: sudo bash scripts/install-system-deps.sh`,
      );
    return backend;
  }
  throw new Error(`unknown backend '${name}' (choose cpu or webgpu)`);
}
