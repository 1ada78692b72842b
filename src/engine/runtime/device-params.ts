import type { Backend } from '../backend.ts';
import type { ParamStore } from '../compile/params.ts';
import type { Tensor } from '../tensor.ts';
import type { Param } from './params.ts';

interface DeviceParam {
  tensor: Tensor;
  /** the host parameter it was uploaded from: another object means the host re-initialised it */
  source: Param;
}

/**
 * The weights of a model as device tensors the trainer owns, continuing the host `ParamStore`.
 * The device copy is the current one while training on the device (optimizers update it in
 * place); the host copy catches up only when asked (`download`: a checkpoint, a health report,
 * the end of a run). A host change — a new or re-initialised parameter, `load`, `restore` — is
 * uploaded before the next use.
 */
export class DeviceParams {
  private readonly tensors = new Map<string, DeviceParam>();
  private version = -1;

  constructor(
    private readonly backend: Backend,
    private readonly store: ParamStore,
  ) {}

  /** The device tensor of every key, uploading what the host changed. Call outside any scope. */
  sync(keys: Iterable<string>): void {
    const stale = this.store.version !== this.version;
    for (const [key, d] of this.tensors) {
      if (stale || this.store.params.get(key) !== d.source) {
        d.tensor.dispose();
        this.tensors.delete(key);
      }
    }
    for (const key of keys) {
      if (this.tensors.has(key)) continue;
      const source = this.store.get(key);
      const tensor = this.backend.upload(source.data, source.shape, 'float32').named(key);
      this.tensors.set(key, { tensor, source });
    }
    this.version = this.store.version;
  }

  get(key: string): Tensor {
    const d = this.tensors.get(key);
    if (!d) throw new Error(`parameter '${key}' is not on the device (sync first)`);
    return d.tensor;
  }

  /** Replace a parameter by a new value (BatchNorm's running statistics after a step). */
  replace(key: string, value: Tensor): void {
    const d = this.tensors.get(key);
    if (!d) throw new Error(`parameter '${key}' is not on the device (sync first)`);
    d.tensor.dispose();
    d.tensor = value;
  }

  /** Reads of every device parameter, issued now (a checkpoint's weights). */
  async snapshot(): Promise<Map<string, Float32Array>> {
    const entries = [...this.tensors];
    const data = await Promise.all(entries.map(([, d]) => d.tensor.data()));
    return new Map(entries.map(([key], i) => [key, Float32Array.from(data[i])]));
  }

  /** Bring the host values up to date with the device (awaits the device). */
  async download(): Promise<void> {
    const values = await this.snapshot();
    for (const [key, data] of values) {
      const d = this.tensors.get(key);
      // only where the host still holds the parameter the device continues
      if (d && this.store.params.get(key) === d.source) d.source.data.set(data);
    }
  }

  /** Forget the device copies (a lost device, a switch to host steps): the next sync uploads. */
  drop(): void {
    for (const d of this.tensors.values()) d.tensor.dispose();
    this.tensors.clear();
    this.version = -1;
  }
}
