/**
 * The WebGPU backend. Seen from outside, a GPU tensor behaves like a CPU one (int32 stays
 * int32), except that values are read with `await t.data()`.
 *
 * - Kernels: one GpuKernel per op in kernels/ (WGSL in gpu/); composite ops need none, and
 *   gradients come from the registry's vjps, so backward runs here too.
 * - Dispatch (runtime.ts): pipelines cached by kernel + specialisation; launches recorded
 *   into one compute pass and submitted in batches, or when a read needs them.
 * - Memory: buffers come from a pool with size classes and return to it on dispose (or when
 *   a forgotten tensor is garbage collected); `scope(fn)` disposes what a step created;
 *   `memory()` reports live and pooled bytes.
 * - Errors: a buffer past the device's limits is refused naming the tensor; value errors
 *   found by kernels (a class index out of range) are raised at the next read; a lost device
 *   is reported, re-created, and the caller retries with fresh tensors.
 */
import type { Backend, UpdateKernel } from '../../backend.ts';
import { OpError } from '../../errors.ts';
import type { OpDef } from '../../op.ts';
import {
  type DType,
  formatShape,
  type Shape,
  type Storage,
  sizeOf,
  Tensor,
  type TensorMeta,
} from '../../tensor.ts';
import type { MemoryInfo } from './buffer-pool.ts';
import { webgpuKernels } from './kernels/index.ts';
import type { GpuTensor } from './kernels/types.ts';
import { f32Bits, GpuRuntime, type GpuStorage } from './runtime.ts';
import { loadShaderSources, type ShaderSources } from './shaders.ts';

/** What a WebGPU tensor's `handle` is: its share of a GPU buffer. */
export interface GpuHandle {
  storage: GpuStorage;
  disposed: boolean;
}

export interface WebGPUMemoryInfo extends MemoryInfo {
  /** tensors created and not yet disposed */
  liveTensors: number;
}

/** The device was lost; the backend is re-creating it. Re-upload inputs and retry. */
export class DeviceLostError extends OpError {
  constructor(op: string, reason: string) {
    super(
      'backend',
      op,
      `${op}: the WebGPU device was lost (${reason}); the backend is re-creating it — await backend.ready(), re-create your tensors and retry`,
    );
    this.name = 'DeviceLostError';
  }
}

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu' as const;
  private rt: GpuRuntime | null;
  private lostReason: string | null = null;
  private recreating: Promise<void> | null = null;
  private readonly scopes: Set<Tensor>[] = [];
  private readonly lostListeners: ((reason: string) => void)[] = [];
  private liveTensors = 0;
  // tensors dropped without dispose() give their buffers back when collected
  private readonly collector = new FinalizationRegistry<GpuHandle>((h) => this.releaseHandle(h));

  constructor(
    private readonly gpu: GPU,
    readonly adapterName: string,
    device: GPUDevice,
    private readonly sources: ShaderSources,
  ) {
    this.rt = this.attach(device);
  }

  /** The runtime of the current device (tests and benchmarks look at its counters). */
  get runtime(): GpuRuntime {
    return this.current('webgpu');
  }

  upload(data: Storage, shape: readonly number[], dtype: DType): Tensor {
    const rt = this.current('upload');
    const storage = rt.alloc(data.byteLength, `tensor ${formatShape(shape)}`, 'upload');
    rt.write(storage, data);
    return this.wrap(storage, shape, dtype);
  }

  readSync(t: Tensor): Storage {
    throw new OpError(
      'backend',
      'dataSync',
      `${t}: a WebGPU tensor cannot be read synchronously; use \`await t.data()\` instead of dataSync()/toArray()`,
    );
  }

  async read(t: Tensor): Promise<Storage> {
    const storage = this.storageOf(t, 'data');
    const bytes = await this.lostOnAbort(storage.runtime.read(storage, t.size * 4), 'data');
    return t.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
  }

  supports(op: OpDef<any>): boolean {
    return op.name in webgpuKernels;
  }

  run(op: OpDef<any>, inputs: (Tensor | null)[], attrs: unknown, outs: TensorMeta[]): Tensor[] {
    const kernel = webgpuKernels[op.name as keyof typeof webgpuKernels];
    if (!kernel) throw new OpError('backend', op.name, `${op.name} has no webgpu kernel yet`);
    const rt = this.current(op.name);
    const views: (GpuTensor | null)[] = inputs.map((t, i) =>
      t
        ? {
            storage: this.storageOf(t, `${op.name} input ${i}`),
            shape: t.shape,
            dtype: t.dtype,
            size: t.size,
          }
        : null,
    );
    const output = (i = 0) => {
      const meta = outs[i];
      return rt.alloc(sizeOf(meta.shape) * 4, `${op.name} output ${i} ${formatShape(meta.shape)}`, op.name);
    };
    const storages = kernel({ rt, op: op.name, inputs: views, attrs, outs, output });
    if (storages.length !== outs.length || storages.some((s) => !s)) {
      throw new OpError(
        'backend',
        op.name,
        `${op.name}: webgpu kernel gave ${storages.length} outputs, expected ${outs.length}`,
      );
    }
    return outs.map((meta, i) => this.wrap(storages[i], meta.shape, meta.dtype));
  }

  dispose(t: Tensor): void {
    const handle = t.handle as GpuHandle;
    if (handle.disposed) return;
    this.collector.unregister(handle);
    this.releaseHandle(handle);
  }

  /**
   * Run fn and dispose every tensor it created on this backend except those it returns
   * (a tensor, or tensors inside arrays / plain objects) and those passed to `keep`.
   * Like tf.tidy: a training step inside `scope` leaks nothing.
   */
  scope<T>(fn: () => T): T {
    const created = new Set<Tensor>();
    this.scopes.push(created);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      // a failed step leaks nothing either
      for (const t of created) t.dispose();
      throw e;
    } finally {
      this.scopes.pop();
    }
    if (result instanceof Promise) {
      for (const t of created) t.dispose();
      throw new OpError(
        'backend',
        'scope',
        'scope: fn returned a Promise; scopes are synchronous (await outside them)',
      );
    }
    const kept = new Set<Tensor>();
    collectTensors(result, kept);
    for (const t of created) {
      if (kept.has(t)) this.scopes.at(-1)?.add(t);
      else t.dispose();
    }
    return result;
  }

  /**
   * Compile ahead of first use the pipelines fn would need: fn (e.g. a forward and backward on
   * zero-filled inputs) runs as a dry run that only records its dispatches, in a scope that
   * disposes all it made; the pipelines not cached yet are then created asynchronously, in parallel.
   */
  async precompile(fn: () => unknown): Promise<{ compiled: number; ms: number }> {
    const rt = this.current('precompile');
    const started = performance.now();
    const keys = rt.collectPipelines(() =>
      this.scope(() => {
        if (fn() instanceof Promise) {
          throw new OpError(
            'backend',
            'precompile',
            'precompile: fn returned a Promise; a dry run is synchronous',
          );
        }
      }),
    );
    const compiled = await rt.precompile(keys);
    return { compiled, ms: performance.now() - started };
  }

  /** Keep a tensor past the scopes it was created in. */
  keep<T extends Tensor>(t: T): T {
    for (const s of this.scopes) s.delete(t);
    return t;
  }

  /** Bytes held by live tensors and by the pool, and how many tensors are alive. */
  memory(): WebGPUMemoryInfo {
    const rt = this.current('memory');
    return { ...rt.memory(), liveTensors: this.liveTensors };
  }

  /** An optimizer's step in place on the parameter and its buffers (see Backend.applyUpdate). */
  applyUpdate(
    kernel: UpdateKernel,
    grad: Tensor,
    state: readonly Tensor[],
    floats: readonly number[],
    flags: number,
  ): void {
    const rt = this.current(kernel.name);
    const wrong = state.find((t) => t.size !== grad.size || t.dtype !== 'float32');
    if (wrong || grad.dtype !== 'float32') {
      throw new OpError(
        'backend',
        kernel.name,
        `${kernel.name}: the gradient ${grad} and the state ${wrong ?? state[0]} must be float32 of one size`,
      );
    }
    rt.dispatch({
      kernel: kernel.name,
      defines: kernel.defines,
      meta: [grad.size, ...floats.map(f32Bits), flags],
      inputs: [this.storageOf(grad, `${kernel.name} gradient`)],
      outputs: state.map((t, i) => this.storageOf(t, `${kernel.name} state ${i}`)),
      threads: grad.size,
      label: kernel.name,
    });
  }

  /**
   * Whether any element of the float tensors is NaN or ±Inf, checked on the GPU after the work
   * recorded so far: a flag set by a reduction kernel and copied back without waiting. The
   * caller goes on recording steps and learns the answer when the promise resolves (a
   * training loop pauses then and locates the node) — no per-step readback stall.
   */
  nonFinite(tensors: readonly Tensor[]): Promise<boolean> {
    const rt = this.current('nonFinite');
    const flag = rt.alloc(4, 'non-finite flag', 'nonFinite');
    rt.write(flag, new Uint32Array(1));
    for (const t of tensors) {
      if (t.dtype !== 'float32' || t.size === 0) continue;
      rt.dispatch({
        kernel: 'nonfinite_flag',
        meta: [t.size],
        inputs: [this.storageOf(t, 'nonFinite')],
        outputs: [flag],
        threads: t.size,
        label: 'nonFinite',
      });
    }
    return this.lostOnAbort(rt.read(flag, 4), 'nonFinite').then(
      (bytes) => {
        rt.release(flag);
        return new Uint32Array(bytes)[0] !== 0;
      },
      (e: unknown) => {
        rt.release(flag);
        throw e;
      },
    );
  }

  /**
   * A read the device loss cut short rejects with a bare AbortError (mapAsync's): say what
   * happened, as a DeviceLostError the caller knows to retry after `ready()`.
   */
  private lostOnAbort<T>(read: Promise<T>, op: string): Promise<T> {
    return read.catch((e: unknown) => {
      if (e instanceof Error && e.name === 'AbortError')
        throw new DeviceLostError(op, this.lostReason ?? 'a read was aborted: the device is going away');
      throw e;
    });
  }

  /** Submit recorded work and wait for the GPU to finish it. */
  async sync(): Promise<void> {
    await this.current('sync').sync();
  }

  /** Resolves once a lost device has been replaced (immediately when none was lost). */
  async ready(): Promise<void> {
    await this.recreating;
  }

  onDeviceLost(listener: (reason: string) => void): void {
    this.lostListeners.push(listener);
  }

  /** Tests: simulate a device loss the way a driver reset would cause one. */
  loseDevice(): void {
    this.rt?.device.destroy();
  }

  private attach(device: GPUDevice): GpuRuntime {
    const rt = new GpuRuntime(device, this.sources);
    device.lost.then((info) => {
      if (this.rt !== rt) return;
      const reason = info.message || info.reason || 'unknown reason';
      this.rt = null;
      this.lostReason = reason;
      rt.destroy();
      for (const l of this.lostListeners) l(reason);
      this.recreating = this.recreate();
    });
    return rt;
  }

  private async recreate(): Promise<void> {
    const adapter = await this.gpu.requestAdapter();
    if (!adapter) return; // stays lost; every call keeps saying so
    const device = await adapter.requestDevice({ requiredLimits: deviceLimits(adapter) });
    this.rt = this.attach(device);
    this.lostReason = null;
  }

  private current(op: string): GpuRuntime {
    if (!this.rt) throw new DeviceLostError(op, this.lostReason ?? 'device unavailable');
    return this.rt;
  }

  private storageOf(t: Tensor, what: string): GpuStorage {
    const handle = t.handle as GpuHandle;
    if (handle.disposed) {
      throw new OpError('backend', what, `${what}: ${t} was disposed and cannot be used`);
    }
    if (handle.storage.runtime !== this.rt) {
      throw new DeviceLostError(what, `${t} was created on a device that has since been lost`);
    }
    return handle.storage;
  }

  private wrap(storage: GpuStorage, shape: Shape, dtype: DType): Tensor {
    const handle: GpuHandle = { storage, disposed: false };
    const t = new Tensor([...shape], dtype, this, handle);
    this.liveTensors++;
    this.collector.register(t, handle, handle);
    this.scopes.at(-1)?.add(t);
    return t;
  }

  private releaseHandle(handle: GpuHandle): void {
    if (handle.disposed) return;
    handle.disposed = true;
    this.liveTensors--;
    // buffers of a lost device are already gone with it
    if (handle.storage.runtime === this.rt) handle.storage.runtime.release(handle.storage);
  }
}

function collectTensors(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into);
  }
}

/** Ask for the adapter's own storage-buffer limits: the defaults (128 MiB) are often lower. */
function deviceLimits(adapter: GPUAdapter): Record<string, number> {
  return {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
  };
}

/**
 * Request an adapter and device and return the WebGPU backend, or null when this environment
 * has no WebGPU adapter. `gpu` defaults to `navigator.gpu`.
 */
export async function createWebGPUBackend(gpu?: GPU): Promise<WebGPUBackend | null> {
  const api = gpu ?? (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!api) return null;
  const adapter = await api.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const [device, sources] = await Promise.all([
    adapter.requestDevice({ requiredLimits: deviceLimits(adapter) }),
    loadShaderSources(),
  ]);
  const info = adapter.info;
  const name =
    [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ') ||
    'unknown adapter';
  return new WebGPUBackend(api, name, device, sources);
}
