/**
 * GPU buffers recycled by size class. A released buffer first waits in `pending` until the
 * commands recorded so far are submitted: until then a queued write into it (an upload, a
 * kernel's parameters) could land before a recorded kernel that still reads its old contents.
 */
const MIN_BYTES = 256;

/** Round up to the next of 2^k, 1.25·2^k, 1.5·2^k, 1.75·2^k: at most 25% waste, few classes. */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BYTES) return MIN_BYTES;
  const pow = 2 ** Math.floor(Math.log2(bytes));
  for (const step of [1, 1.25, 1.5, 1.75, 2]) {
    const size = pow * step;
    if (size >= bytes) return size;
  }
  return pow * 2;
}

export interface MemoryInfo {
  /** bytes in buffers that hold live tensors (or are in flight) */
  liveBytes: number;
  liveBuffers: number;
  /** bytes in buffers kept for reuse */
  pooledBytes: number;
  pooledBuffers: number;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private pending: GPUBuffer[] = [];
  private live = 0;
  private liveCount = 0;
  private pooled = 0;
  private pooledCount = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: GPUBufferUsageFlags,
    /** pooled bytes beyond this are destroyed instead of kept */
    private readonly maxPooledBytes = 512 * 2 ** 20,
    /** the largest buffer the device binds: a size class is never rounded past it */
    private readonly maxBufferBytes = Number.POSITIVE_INFINITY,
  ) {}

  acquire(bytes: number, label?: string): GPUBuffer {
    const rounded = sizeClass(bytes);
    const size = rounded <= this.maxBufferBytes ? rounded : Math.ceil(bytes / 4) * 4;
    const reuse = this.free.get(size)?.pop();
    this.live += size;
    this.liveCount++;
    if (reuse) {
      this.pooled -= size;
      this.pooledCount--;
      return reuse;
    }
    return this.device.createBuffer({ size, usage: this.usage, label });
  }

  /** Give a buffer back; it becomes reusable after the next submit (see `recycle`). */
  release(buffer: GPUBuffer): void {
    this.live -= buffer.size;
    this.liveCount--;
    this.pending.push(buffer);
  }

  /** Call right after a submit: buffers released before it may now be written again. */
  recycle(): void {
    for (const buffer of this.pending) {
      if (this.pooled + buffer.size > this.maxPooledBytes) {
        buffer.destroy();
        continue;
      }
      const list = this.free.get(buffer.size) ?? [];
      list.push(buffer);
      this.free.set(buffer.size, list);
      this.pooled += buffer.size;
      this.pooledCount++;
    }
    this.pending = [];
  }

  /** Destroy every pooled buffer (live ones stay with their tensors). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooled = 0;
    this.pooledCount = 0;
  }

  memory(): MemoryInfo {
    const pendingBytes = this.pending.reduce((s, b) => s + b.size, 0);
    return {
      liveBytes: this.live + pendingBytes,
      liveBuffers: this.liveCount + this.pending.length,
      pooledBytes: this.pooled,
      pooledBuffers: this.pooledCount,
    };
  }
}
