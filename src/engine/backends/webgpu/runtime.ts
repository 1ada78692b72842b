import { OpError } from '../../errors.ts';
import { BufferPool, type MemoryInfo } from './buffer-pool.ts';
import { type ShaderSources, specialise } from './shaders.ts';
import { valueErrorKind } from './value-errors.ts';

/** A GPU buffer shared by the tensors that view it (a reshape shares its input's). */
export interface GpuStorage {
  buffer: GPUBuffer;
  /** bytes the tensor data occupies (the buffer may be larger: size classes) */
  bytes: number;
  refs: number;
  runtime: GpuRuntime;
}

export interface DispatchSpec {
  /** gpu/<kernel>.wgsl */
  kernel: string;
  /** `{{KEY}}` values in the source; part of the pipeline cache key */
  defines?: Record<string, string | number>;
  /** u32 words bound at binding 0 (floats through `f32Bits`) */
  meta: number[];
  inputs: GpuStorage[];
  outputs: GpuStorage[];
  /**
   * Workgroup grid. `threads` spreads that many invocations of a `WG`-sized 1-D workgroup over
   * x (and y when x would pass the adapter's limit); kernels rebuild the linear index with
   * `num_workgroups`.
   */
  threads?: number;
  workgroupSize?: number;
  workgroups?: [number, number?, number?];
  /** what to name in error messages */
  label: string;
  /** the kernel may report value errors (gpu/value_error.wgsl): bind the error buffer last */
  reportsErrors?: boolean;
}

/** What a pipeline is compiled from, and its cache key `id` (kernel + specialisation). */
export interface PipelineKey {
  id: string;
  kernel: string;
  defines: Record<string, string | number>;
}

/** The pipeline a dispatch needs; ERROR_BINDING is the slot after the inputs and outputs. */
export function pipelineKeyOf(spec: DispatchSpec): PipelineKey {
  const defines = spec.reportsErrors
    ? { ...spec.defines, ERROR_BINDING: spec.inputs.length + spec.outputs.length + 1 }
    : (spec.defines ?? {});
  const specialisation = Object.entries(defines).map(([k, v]) => `|${k}=${v}`);
  return { id: `${spec.kernel}${specialisation.join('')}`, kernel: spec.kernel, defines };
}

const f32View = new Float32Array(1);
const u32View = new Uint32Array(f32View.buffer);

/** The bit pattern of a float, for meta words. */
export function f32Bits(x: number): number {
  f32View[0] = x;
  return u32View[0];
}

const DISPATCHES_PER_SUBMIT = 48;
/** Each dispatch's meta words get a slot of this many bytes in the batch's meta arena. */
const META_SLOT = 256;

/**
 * One GPU device and what it takes to run kernels on it: a pipeline cache keyed by kernel +
 * specialisation (filled ahead of first use by `collectPipelines` + `precompile`, else on first
 * dispatch), a buffer pool, and dispatches recorded into one open compute pass and submitted in
 * batches (or when a read needs the results).
 */
export class GpuRuntime {
  readonly storagePool: BufferPool;
  private readonly readPool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** asynchronous compiles in flight, by key id */
  private readonly compiling = new Map<string, Promise<void>>();
  /** during `collectPipelines`: what dispatches asked for, instead of running */
  private dryRun: Map<string, PipelineKey> | null = null;
  private readonly constants = new Map<number, GpuStorage>();
  /** [code, value, extra, unused]: the first value error a kernel reported since the last read */
  private readonly valueErrors: GPUBuffer;
  /**
   * The meta words of every dispatch in the open batch, one aligned slot each, uploaded with
   * one write at submit (queue order puts it before the batch's kernels and after the last
   * batch's, so one buffer serves every batch).
   */
  private readonly metaArena: GPUBuffer;
  private readonly metaWords: Uint32Array;
  private metaUsed = 0;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private recorded = 0;
  /** validation errors the device reported; surfaced at the next read */
  readonly errors: string[] = [];
  dispatches = 0;
  submits = 0;
  /** reads back to the CPU, and their bytes (a training step should read a few bytes, not weights) */
  reads = 0;
  readBytes = 0;
  /** pipelines compiled on first use, stalling that dispatch */
  syncPipelines = 0;
  /** pipelines compiled ahead of use by `precompile` */
  asyncPipelines = 0;
  private readonly metaSlot: number;

  constructor(
    readonly device: GPUDevice,
    private readonly sources: ShaderSources,
  ) {
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const largest = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.storagePool = new BufferPool(device, usage, undefined, largest);
    this.readPool = new BufferPool(device, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 64 * 2 ** 20);
    this.valueErrors = device.createBuffer({ size: 16, usage, label: 'value errors' });
    this.gridLimit = device.limits.maxComputeWorkgroupsPerDimension;
    const slot = Math.max(META_SLOT, device.limits.minStorageBufferOffsetAlignment);
    this.metaSlot = slot;
    this.metaArena = device.createBuffer({
      size: slot * DISPATCHES_PER_SUBMIT * 2,
      usage,
      label: 'meta arena',
    });
    this.metaWords = new Uint32Array(this.metaArena.size / 4);
    device.addEventListener?.('uncapturederror', (e) => {
      this.errors.push((e as GPUUncapturedErrorEvent).error.message);
    });
  }

  /**
   * Run `launch(first, count)` over [0, total) in pieces of at most the adapter's workgroup
   * limit per dimension: for kernels whose grid z counts batches.
   */
  inSlices(total: number, launch: (first: number, count: number) => void): void {
    const max = this.gridLimit;
    for (let first = 0; first < total; first += max) launch(first, Math.min(max, total - first));
  }

  /** Workgroups per grid dimension: the adapter's limit (tests lower it to exercise splitting). */
  gridLimit: number;

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** A buffer for `bytes` of tensor data; `what` names the tensor in the error past the limit. */
  alloc(bytes: number, what: string, op: string): GpuStorage {
    const limit = Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
    if (bytes > limit) {
      throw new OpError(
        'backend',
        op,
        `${what} needs ${formatBytes(bytes)}, more than this GPU allows in one buffer (maxStorageBufferBindingSize = ${formatBytes(limit)}); use a smaller batch or split the tensor`,
      );
    }
    return { buffer: this.storagePool.acquire(Math.max(bytes, 4), what), bytes, refs: 1, runtime: this };
  }

  /** A one-element buffer holding `value`, kept for the device's life (absent operands). */
  constant(value: number): GpuStorage {
    let storage = this.constants.get(value);
    if (!storage) {
      storage = this.alloc(4, `constant ${value}`, 'constant');
      // written even in a dry run: it outlives the run
      this.device.queue.writeBuffer(storage.buffer, 0, Float32Array.of(value));
      this.constants.set(value, storage);
    }
    return storage;
  }

  /** Scratch space for a kernel's intermediate results; give it back with `release`. */
  scratch(elements: number, label: string): GpuStorage {
    return this.alloc(elements * 4, `${label} scratch`, label);
  }

  share(storage: GpuStorage): GpuStorage {
    storage.refs++;
    return storage;
  }

  release(storage: GpuStorage): void {
    if (--storage.refs === 0) this.storagePool.release(storage.buffer);
  }

  write(storage: GpuStorage, data: ArrayBufferView): void {
    if (data.byteLength === 0 || this.dryRun) return;
    this.device.queue.writeBuffer(storage.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Record one kernel launch; it runs when the batch is submitted. */
  dispatch(spec: DispatchSpec): void {
    const grid = this.grid(spec);
    if (grid[0] * grid[1] * grid[2] === 0) return;
    const key = pipelineKeyOf(spec);
    if (this.dryRun) {
      this.dryRun.set(key.id, key);
      return;
    }
    const buffers = [...spec.inputs.map((s) => s.buffer), ...spec.outputs.map((s) => s.buffer)];
    const pipeline = this.pipeline(key);
    const metaBytes = Math.ceil((Math.max(spec.meta.length, 1) * 4) / this.metaSlot) * this.metaSlot;
    if (this.metaUsed + metaBytes > this.metaArena.size) this.flush();
    const metaOffset = this.metaUsed;
    this.metaWords.set(spec.meta, metaOffset / 4);
    this.metaUsed += metaBytes;
    if (spec.reportsErrors) buffers.push(this.valueErrors);
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.metaArena, offset: metaOffset, size: metaBytes } },
        ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
      ],
    });
    const pass = this.openPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    this.dispatches++;
    if (++this.recorded >= DISPATCHES_PER_SUBMIT) this.flush();
  }

  /** Submit everything recorded so far. */
  flush(): void {
    if (this.encoder) {
      this.closePass();
      if (this.metaUsed > 0)
        this.device.queue.writeBuffer(this.metaArena, 0, this.metaWords.buffer, 0, this.metaUsed);
      this.metaUsed = 0;
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.recorded = 0;
      this.submits++;
    }
    // nothing recorded is left unsubmitted, so every released buffer may be written again
    this.storagePool.recycle();
    this.readPool.recycle();
  }

  /**
   * Copy a buffer back to the CPU (submits pending work first). Value errors that kernels
   * reported since the last read are raised here, as typed errors with PyTorch's message.
   */
  async read(storage: GpuStorage, bytes: number): Promise<ArrayBuffer> {
    this.reads++;
    this.readBytes += bytes;
    if (this.dryRun) {
      throw new OpError(
        'backend',
        'read',
        'read: no values can be read during a dry run (collectPipelines / precompile only records which kernels would run; nothing ran)',
      );
    }
    const staging = this.readPool.acquire(bytes + 16, 'readback');
    this.closePass();
    const encoder = this.openEncoder();
    if (bytes > 0) encoder.copyBufferToBuffer(storage.buffer, 0, staging, 0, bytes);
    encoder.copyBufferToBuffer(this.valueErrors, 0, staging, bytes, 16);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes + 16);
      const copy = staging.getMappedRange(0, bytes + 16).slice(0);
      staging.unmap();
      this.throwValueError(new Int32Array(copy, bytes, 4));
      return copy.slice(0, bytes);
    } finally {
      this.readPool.release(staging);
      this.readPool.recycle();
      this.throwReportedErrors();
    }
  }

  private throwValueError([code, value, extra]: Int32Array): void {
    if (code === 0) return;
    this.device.queue.writeBuffer(this.valueErrors, 0, new Uint32Array(4));
    const kind = valueErrorKind(code);
    if (!kind)
      throw new OpError('backend', 'webgpu', `a kernel reported an unknown value error (code ${code})`);
    throw new OpError('value', kind.op, kind.message(value, extra >>> 0));
  }

  /** Resolves when the GPU has finished everything submitted. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwReportedErrors();
  }

  memory(): MemoryInfo {
    this.flush();
    return this.storagePool.memory();
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  destroy(): void {
    this.encoder = null;
    this.pass = null;
    this.storagePool.trim();
    this.readPool.trim();
  }

  private throwReportedErrors(): void {
    if (this.errors.length === 0) return;
    // the first error is the cause; the rest are Dawn's "invalid due to a previous error"
    const messages = this.errors.splice(0).filter((m, i) => i === 0 || !m.includes('previous error'));
    throw new OpError('backend', 'webgpu', `WebGPU reported an error: ${messages.join('; ')}`);
  }

  /**
   * Run fn as a dry run: its dispatches only record the pipeline they need (no encoding, no
   * bind groups, no writes; reads fail), and return those pipelines' keys. Buffers come from
   * the pool as usual and go back when fn's tensors are disposed.
   */
  collectPipelines(fn: () => void): PipelineKey[] {
    if (this.dryRun) {
      throw new OpError('backend', 'collectPipelines', 'collectPipelines: a dry run is already in progress');
    }
    // real work recorded before the dry run is submitted first, so nothing mixes with it
    this.flush();
    const wanted = new Map<string, PipelineKey>();
    this.dryRun = wanted;
    try {
      fn();
    } finally {
      this.dryRun = null;
      this.flush();
    }
    return [...wanted.values()];
  }

  /**
   * Create the pipelines not cached yet with createComputePipelineAsync, all in parallel, and
   * resolve with how many this call compiled once every key (also those another call is
   * compiling) is in the cache. A failed compile rejects, after the others have landed.
   */
  async precompile(keys: readonly PipelineKey[]): Promise<number> {
    const fresh = [...new Map(keys.map((k) => [k.id, k])).values()].filter(
      (k) => !this.pipelines.has(k.id) && !this.compiling.has(k.id),
    );
    for (const key of fresh) this.compiling.set(key.id, this.compileAsync(key));
    const pending = keys.flatMap((k) => this.compiling.get(k.id) ?? []);
    const failed = (await Promise.allSettled(pending)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return fresh.length;
  }

  private async compileAsync(key: PipelineKey): Promise<void> {
    try {
      const pipeline = await this.device.createComputePipelineAsync(this.pipelineDescriptor(key));
      // a dispatch that could not wait compiled it meanwhile: keep the one already in use
      if (!this.pipelines.has(key.id)) {
        this.pipelines.set(key.id, pipeline);
        this.asyncPipelines++;
      }
    } catch (e) {
      throw new OpError(
        'backend',
        key.kernel,
        `compiling the WebGPU kernel ${key.id} failed: ${(e as Error).message}`,
      );
    } finally {
      this.compiling.delete(key.id);
    }
  }

  private pipeline(key: PipelineKey): GPUComputePipeline {
    let pipeline = this.pipelines.get(key.id);
    if (!pipeline) {
      // A dispatch is synchronous and cannot await a compile in flight for this key: it
      // compiles now, and the asynchronous result is dropped when it lands.
      pipeline = this.device.createComputePipeline(this.pipelineDescriptor(key));
      this.pipelines.set(key.id, pipeline);
      this.syncPipelines++;
    }
    return pipeline;
  }

  private pipelineDescriptor(key: PipelineKey): GPUComputePipelineDescriptor {
    const code = specialise(this.sources, key.kernel, key.defines);
    const module = this.device.createShaderModule({ code, label: key.id });
    return { layout: 'auto', compute: { module, entryPoint: 'main' }, label: key.id };
  }

  private grid(spec: DispatchSpec): [number, number, number] {
    const max = this.gridLimit;
    let grid: [number, number, number];
    if (spec.workgroups) {
      grid = [spec.workgroups[0], spec.workgroups[1] ?? 1, spec.workgroups[2] ?? 1];
    } else {
      const groups = Math.ceil((spec.threads ?? 0) / (spec.workgroupSize ?? 256));
      grid = groups <= max ? [groups, 1, 1] : [max, Math.ceil(groups / max), 1];
    }
    if (grid.some((g) => g > max)) {
      throw new OpError(
        'backend',
        spec.label,
        `${spec.label}: needs a grid of ${grid.join('×')} workgroups, past this GPU's maxComputeWorkgroupsPerDimension (${this.limits.maxComputeWorkgroupsPerDimension}); the tensor is too large for one dispatch`,
      );
    }
    return grid;
  }

  private openEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private openPass(): GPUComputePassEncoder {
    this.pass ??= this.openEncoder().beginComputePass();
    return this.pass;
  }

  private closePass(): void {
    this.pass?.end();
    this.pass = null;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}
