import { createWebGPUBackend, type WebGPUBackend } from './index.ts';

export type NodeWebGPU = { backend: WebGPUBackend; reason?: undefined } | { backend: null; reason: string };

let created: Promise<NodeWebGPU> | null = null;

/**
 * The WebGPU backend in Node, through the `webgpu` package (Dawn). Dawn needs a Vulkan driver;
 * on a machine without one (or without Mesa's lavapipe) this returns null and says why.
 * Created once per process: Dawn instances are heavy.
 */
export function createNodeWebGPUBackend(): Promise<NodeWebGPU> {
  created ??= (async (): Promise<NodeWebGPU> => {
    // Dawn's Vulkan loader wants a runtime dir, and warns loudly without one
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
    let webgpu: typeof import('webgpu');
    try {
      webgpu = await import('webgpu');
    } catch (e) {
      return { backend: null, reason: `the 'webgpu' package could not be loaded: ${(e as Error).message}` };
    }
    Object.assign(globalThis, webgpu.globals);
    try {
      const backend = await createWebGPUBackend(webgpu.create([]));
      if (!backend) {
        return {
          backend: null,
          reason: 'no WebGPU adapter (Dawn found no usable Vulkan driver; Mesa 25 lavapipe provides one)',
        };
      }
      return { backend };
    } catch (e) {
      return { backend: null, reason: `creating the WebGPU device failed: ${(e as Error).message}` };
    }
  })();
  return created;
}
