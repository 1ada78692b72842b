import { expect, it } from 'vitest';
import { BackwardPass } from '../../src/engine/autograd/backward.ts';
import { sizeClass } from '../../src/engine/backends/webgpu/buffer-pool.ts';
import { createWebGPUBackend } from '../../src/engine/backends/webgpu/index.ts';
import { isOpError, noGrad, run, type Tensor, tensor } from '../../src/engine/index.ts';
import { describeGpu, webgpu } from './gpu.ts';

const on = (data: number[], shape: number[], dtype: 'float32' | 'int32' = 'float32') =>
  tensor(data, shape, dtype, webgpu!);

describeGpu('the WebGPU backend', () => {
  it('refuses synchronous reads with a message that says what to do', () => {
    const t = on([1, 2], [2]);
    expect(() => t.dataSync()).toThrow(/use `await t.data\(\)`/);
    expect(() => t.toArray()).toThrow(/cannot be read synchronously/);
  });

  it('keeps int32 tensors int32 through movement ops', async () => {
    const ids = on([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const moved = run('transpose', [ids], { dim0: 0, dim1: 1 });
    const data = await moved.data();
    expect(data).toBeInstanceOf(Int32Array);
    expect(Array.from(data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('raises value errors found by kernels at the next read, with PyTorch’s message', async () => {
    const z = on(new Array(40).fill(0.1), [4, 10]);
    const bad = run('cross_entropy', [z, on([1, 12, 0, 3], [4], 'int32')]);
    const error = await bad.data().catch((e: unknown) => e);
    expect(isOpError(error)).toBe(true);
    expect((error as Error).message).toBe('Target 12 is out of bounds.');
    // reported once: the next read is clean
    const good = run('cross_entropy', [z, on([1, 2, 0, 3], [4], 'int32')]);
    expect((await good.data())[0]).toBeCloseTo(Math.log(10), 4);
    const bce = run('binary_cross_entropy', [on([0.5, 1.5], [2]), on([0, 1], [2])]);
    await expect(bce.data()).rejects.toThrow('all elements of input should be between 0 and 1');
    const lookup = run('embedding', [on([0, 5], [2], 'int32'), on([1, 2, 3, 4], [2, 2])]);
    await expect(lookup.data()).rejects.toThrow(
      'index out of range in self (embedding: index 5, num_embeddings 2)',
    );
  });

  it('flags a NaN or an infinity on the GPU, answering later without stalling the caller', async () => {
    const finite = on([1, -2, 3e38, 0], [2, 2]);
    const ok = webgpu!.nonFinite([finite, on([5], [1])]);
    // log(0) = −∞, 0/0 = NaN, computed on the GPU in the same batch the flag is checked after
    const negInf = run('log', [on([1, 0, 2], [3])]);
    const nan = run('div', [on([0, 1], [2]), on([0, 1], [2])]);
    const [withInf, withNan] = [webgpu!.nonFinite([finite, negInf]), webgpu!.nonFinite([nan])];
    // ints are never non-finite and are skipped
    const ints = webgpu!.nonFinite([on([1, 2], [2], 'int32')]);
    expect(await Promise.all([ok, withInf, withNan, ints])).toEqual([false, true, true, false]);
  });

  it('refuses a disposed tensor by name', () => {
    const t = on([1, 2, 3], [3]);
    t.dispose();
    expect(() => run('neg', [t])).toThrow(/was disposed/);
  });

  it('names the tensor and the limit when a buffer would pass maxStorageBufferBindingSize', () => {
    const limit = webgpu!.runtime.limits.maxStorageBufferBindingSize;
    const rows = Math.ceil(limit / 4 / 1024) + 1;
    const x = on([1], [1, 1]);
    const error = (() => {
      try {
        run('expand', [x], { shape: [rows, 1024] });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(isOpError(error)).toBe(true);
    expect(error!.message).toContain(`expand output 0 [${rows}, 1024]`);
    expect(error!.message).toContain('maxStorageBufferBindingSize');
  });

  it('rounds buffers up to a few size classes', () => {
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(1000)).toBe(1024);
    expect(sizeClass(1025)).toBe(1280);
    expect(sizeClass(1281)).toBe(1536);
    expect(sizeClass(3 * 2 ** 20 + 1)).toBe(3.5 * 2 ** 20);
  });

  it('reuses pooled buffers: a training step in a scope leaks nothing over many steps', async () => {
    const backend = webgpu!;
    const w = on(
      Array.from({ length: 32 * 16 }, (_, i) => Math.sin(i) * 0.1),
      [32, 16],
    ).requireGrad();
    const b = on(new Array(16).fill(0), [16]).requireGrad();
    const x = on(
      Array.from({ length: 8 * 32 }, (_, i) => Math.cos(i)),
      [8, 32],
    );
    const target = on([0, 3, 5, 1, 2, 15, 7, 9], [8], 'int32');
    const step = () =>
      backend.scope(() => {
        const logits = run('add', [run('matmul', [x, w]), b]);
        const loss = run('cross_entropy', [logits, target]);
        new BackwardPass(loss).run();
        const lr = on([0.1], []);
        const updates = noGrad(() => [w, b].map((p) => run('sub', [p, run('mul', [p.grad!, lr])])));
        w.grad = null;
        b.grad = null;
        return { loss, updates };
      });
    const losses: number[] = [];
    let live: Tensor[] = [];
    let before = 0;
    for (let i = 0; i < 20; i++) {
      const { loss, updates } = step();
      losses.push((await loss.data())[0]);
      for (const t of [loss, ...updates, ...live]) t.dispose();
      live = [];
      if (i === 4) before = backend.memory().liveBytes;
    }
    const after = backend.memory();
    expect(after.liveBytes).toBe(before);
    expect(after.pooledBuffers).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
  });

  it('disposes what a scope created when it throws, and refuses an async scope', () => {
    const backend = webgpu!;
    const before = backend.memory().liveTensors;
    expect(() =>
      backend.scope(() => {
        run('neg', [on([1, 2], [2])]);
        throw new Error('step failed');
      }),
    ).toThrow('step failed');
    expect(backend.memory().liveTensors).toBe(before);
    expect(() => backend.scope(async () => on([1], [1]))).toThrow(/scopes are synchronous/);
    expect(backend.memory().liveTensors).toBe(before);
  });

  it('reports memory: live bytes grow with tensors and return to the pool on dispose', () => {
    const backend = webgpu!;
    const start = backend.memory();
    const t = on(new Array(1000).fill(1), [1000]);
    const grown = backend.memory();
    expect(grown.liveBytes - start.liveBytes).toBe(sizeClass(4000));
    expect(grown.liveTensors).toBe(start.liveTensors + 1);
    t.dispose();
    const end = backend.memory();
    expect(end.liveBytes).toBe(start.liveBytes);
    expect(end.pooledBytes).toBeGreaterThanOrEqual(sizeClass(4000));
  });

  it('shares the buffer of a reshape and frees it only when both tensors are gone', async () => {
    const backend = webgpu!;
    const start = backend.memory().liveBytes;
    const x = on([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = run('reshape', [x], { shape: [3, 2] });
    expect(backend.memory().liveBytes - start).toBe(sizeClass(24));
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 5, 6]);
    y.dispose();
    expect(backend.memory().liveBytes).toBe(start);
  });

  it('caches pipelines: the same kernel with new shapes compiles nothing new', async () => {
    const rt = webgpu!.runtime;
    await run('add', [on([1, 2, 3], [3]), on([1], [1])]).data();
    const compiled = rt.pipelineCount;
    await run('add', [on([1, 2, 3, 4, 5], [5]), on([2], [1])]).data();
    expect(rt.pipelineCount).toBe(compiled);
  });

  it('batches dispatches: a chain of ops is submitted in a few command buffers', async () => {
    const rt = webgpu!.runtime;
    const submits = rt.submits;
    let t = on([1, 2, 3, 4], [4]);
    for (let i = 0; i < 40; i++) t = run('add', [t, t]);
    await t.data();
    expect(rt.submits - submits).toBeLessThanOrEqual(3);
  });
});

it('reports a lost device, re-creates it, and lets the caller retry', async () => {
  if (!webgpu) return;
  // a backend of its own: losing the shared one would disturb the other tests
  const { create } = await import('webgpu');
  const backend = await createWebGPUBackend(create([]));
  expect(backend).not.toBeNull();
  const reasons: string[] = [];
  backend!.onDeviceLost((r) => reasons.push(r));
  const x = tensor([1, 2], [2], 'float32', backend!);
  backend!.loseDevice();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(reasons.length).toBe(1);
  await backend!.ready();
  expect(() => run('neg', [x])).toThrow(/device .*lost/);
  const again = tensor([1, 2], [2], 'float32', backend!);
  expect(Array.from(await run('neg', [again]).data())).toEqual([-1, -2]);
});
