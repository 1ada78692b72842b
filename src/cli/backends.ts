import type { Backend } from '../engine/backend.ts';
import { cpuBackend } from '../engine/index.ts';

/** Backends the CLI can run on; WebGPU in Node comes from the `webgpu` package (Dawn). */
export async function backendByName(name: string): Promise<Backend> {
  if (name === 'cpu') return cpuBackend;
  // @group webgpu-backend
  throw new Error(`unknown backend '${name}' (choose cpu or webgpu)`);
}
