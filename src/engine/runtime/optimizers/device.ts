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

/**
 * Device buffers by the host state they continue. Shared by the optimizers of a trainer, so a
 * recompile that keeps a parameter's `ParamState` keeps its device buffers too; a replaced state
 * object (reset, restore) starts from its own host buffers.
 */
export type DeviceStateMap = Map<ParamState, Map<string, Tensor>>;

/**
 * An optimizer whose buffers live on the training device. The host `Optimizer` keeps what is
 * small and decided on the host — the lr, the hyperparameters, each parameter's step count —
 * and its `state.params[i].buffers` are only brought up to date by `download()` (a checkpoint,
 * a switch to host steps). Each step is one kernel per parameter, in place on the parameter
 * tensor and its buffers: nothing is read back.
 */
export class DeviceOptimizer {
  constructor(
    readonly host: Optimizer,
    private readonly backend: UpdatingBackend,
    private readonly device: DeviceStateMap = new Map(),
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
      const { buffers, fresh } = this.buffersFor(s, p);
      s.step += 1;
      const { floats, flags } = update.scalars(s.step, lr, h, fresh);
      const state = [p, ...update.buffers(h).map((n) => buffers.get(n)!)];
      this.backend.applyUpdate(update.kernel(h), g, state, floats, flags);
    });
  }

  /** Reads of every device buffer into copies of the host states, issued now (a checkpoint). */
  snapshot(): Promise<ParamState[]> {
    return Promise.all(
      this.host.state.params.map(async (s) => {
        const d = this.device.get(s);
        const entries = d ? [...d] : [];
        const read = await Promise.all(entries.map(([, t]) => t.data()));
        const buffers = Object.fromEntries(
          Object.entries(s.buffers).map(([k, v]) => [k, Float32Array.from(v)]),
        );
        entries.forEach(([name], j) => {
          buffers[name] = Float32Array.from(read[j]);
        });
        return { step: s.step, buffers };
      }),
    );
  }

  /** Bring the host state up to date with the device (awaits the device). */
  async download(): Promise<void> {
    const states = await this.snapshot();
    states.forEach((s, i) => {
      this.host.state.params[i].buffers = s.buffers;
    });
  }

  /**
   * The device buffers of a parameter, made from the host state where it has them, else as
   * `initState` starts them (PyTorch's lazy init on the first step); `fresh` when any was new.
   */
  private buffersFor(s: ParamState, p: Tensor): { buffers: Map<string, Tensor>; fresh: boolean } {
    let d = this.device.get(s);
    if (!d) {
      d = new Map();
      for (const [name, data] of Object.entries(s.buffers)) d.set(name, this.upload(data, p));
      this.device.set(s, d);
    }
    let fresh = false;
    const h = this.host.hyperparams;
    const wanted = this.host.def.device!.buffers(h).filter((n) => !d.has(n));
    if (wanted.length) {
      const init = this.host.def.initState(p.size, h);
      for (const name of wanted) d.set(name, this.upload(init[name] ?? new Float32Array(p.size), p));
      fresh = true;
    }
    return { buffers: d, fresh };
  }

  private upload(data: Float32Array, p: Tensor): Tensor {
    return this.backend.upload(data, p.shape, 'float32');
  }
}

/** Dispose the device buffers of states no optimizer holds any more (all of them with no `keep`). */
export function pruneDeviceState(device: DeviceStateMap, keep: Iterable<ParamState> = []): void {
  const live = new Set(keep);
  for (const [s, buffers] of device) {
    if (live.has(s)) continue;
    for (const t of buffers.values()) t.dispose();
    device.delete(s);
  }
}
