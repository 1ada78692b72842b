import type { Backend } from '../../backend.ts';
import { OpError } from '../../errors.ts';
import type { Tensor } from '../../tensor.ts';
import type { Optimizer, ParamState } from './optimizer.ts';

/** A backend that can run optimizer kernels in place. */
export type UpdatingBackend = Backend & Required<Pick<Backend, 'applyUpdate'>>;

/** Whether `optimizer` can step on `backend` without its state leaving the device. */
export function canStepOnDevice(backend: Backend, optimizer: Optimizer): backend is UpdatingBackend {
  return backend.applyUpdate !== undefined && optimizer.def.device !== undefined;
}

interface DeviceBuffers {
  /** the host state these buffers continue: another object means the host state was replaced */
  source: ParamState;
  buffers: Map<string, Tensor>;
}

/**
 * An optimizer whose buffers live on the training device. The host `Optimizer` keeps what is
 * small and decided on the host — the lr, the hyperparameters, each parameter's step count —
 * and its `state.params[i].buffers` are only brought up to date by `download()` (a checkpoint,
 * a recompile). Each step is one kernel per parameter, in place on the parameter tensor and
 * its buffers: nothing is read back.
 */
export class DeviceOptimizer {
  private readonly device: DeviceBuffers[] = [];

  constructor(
    readonly host: Optimizer,
    private readonly backend: UpdatingBackend,
  ) {
    if (!host.def.device) {
      throw new OpError(
        'backend',
        host.def.name,
        `${host.def.name} has no device kernel: it steps on the host`,
      );
    }
  }

  /** One step: `params` are updated in place; a null gradient skips that parameter (as PyTorch does). */
  step(params: readonly Tensor[], grads: readonly (Tensor | null)[]): void {
    const def = this.host.def;
    const update = def.device!;
    const h = this.host.hyperparams;
    const lr = this.host.lr;
    if (!(lr >= 0)) throw new OpError('attr', def.name, `${def.name}: lr must be ≥ 0, got ${lr}`);
    params.forEach((p, i) => {
      const g = grads[i];
      if (!g) return;
      const s = this.host.state.params[i];
      const { buffers, fresh } = this.buffersFor(i, s, p);
      s.step += 1;
      const names = update.buffers(h);
      const { floats, flags } = update.scalars(s.step, lr, h, fresh);
      this.backend.applyUpdate(update.kernel(h), g, [p, ...names.map((n) => buffers.get(n)!)], floats, flags);
    });
  }

  /** Copy every device buffer into the host state (awaits the device). */
  async download(): Promise<void> {
    await Promise.all(
      this.device.map(async (d, i) => {
        const s = this.host.state.params[i];
        if (!d || d.source !== s) return;
        for (const [name, t] of d.buffers) s.buffers[name] = Float32Array.from(await t.data());
      }),
    );
  }

  dispose(): void {
    for (const d of this.device) if (d) for (const t of d.buffers.values()) t.dispose();
    this.device.length = 0;
  }

  /**
   * The device buffers of parameter i, made from the host state where it has them, else as
   * `initState` starts them (PyTorch's lazy init on the first step); `fresh` when any was new.
   */
  private buffersFor(i: number, s: ParamState, p: Tensor): { buffers: Map<string, Tensor>; fresh: boolean } {
    let d: DeviceBuffers | undefined = this.device[i];
    if (d && d.source !== s) {
      for (const t of d.buffers.values()) t.dispose();
      d = undefined;
    }
    if (!d) {
      d = { source: s, buffers: new Map() };
      for (const [name, data] of Object.entries(s.buffers)) d.buffers.set(name, this.upload(data, p));
      this.device[i] = d;
    }
    let fresh = false;
    const h = this.host.hyperparams;
    const wanted = this.host.def.device!.buffers(h).filter((n) => !d.buffers.has(n));
    if (wanted.length) {
      const init = this.host.def.initState(p.size, h);
      for (const name of wanted) d.buffers.set(name, this.upload(init[name] ?? new Float32Array(p.size), p));
      fresh = true;
    }
    return { buffers: d.buffers, fresh };
  }

  private upload(data: Float32Array, p: Tensor): Tensor {
    return this.backend.upload(data, p.shape, 'float32');
  }
}
