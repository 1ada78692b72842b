import type { Backend } from '../src/engine/backend.ts';
import { cpuBackend } from '../src/engine/index.ts';
import { createNodeWebGPUBackend } from '../src/engine/backends/webgpu/node.ts';

/**
 * Every backend available on this machine: op tests run on each (tfjs's ALL_ENVS habit).
 * WebGPU joins when an adapter exists; when none does, that is said loudly, not skipped quietly.
 */
export async function testBackends(): Promise<Backend[]> {
  const list: Backend[] = [cpuBackend];
  // @group webgpu-test-backend
  const webgpu = await createNodeWebGPUBackend();
  if (webgpu.backend) list.push(webgpu.backend);
  else {
    console.warn(
      `\n!!!!! WebGPU TESTS SKIPPED: ${webgpu.reason}.\n!!!!! Run \`sudo bash scripts/install-system-deps.sh\` to test the WebGPU backend too.\n`,
    );
  }
  return list;
}
