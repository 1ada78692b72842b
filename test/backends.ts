import type { Backend } from '../src/engine/backend.ts';
import { cpuBackend } from '../src/engine/index.ts';

/**
 * Every backend available on this machine: op tests run on each (tfjs's ALL_ENVS habit).
 * WebGPU joins when an adapter exists; when none does, that is said loudly, not skipped quietly.
 */
export async function testBackends(): Promise<Backend[]> {
  const list: Backend[] = [cpuBackend];
  // @group webgpu-test-backend
  return list;
}
