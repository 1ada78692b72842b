import { AttrError, ShapeError } from '../../errors.ts';
import { type HyperSchema, resolveHyperparams } from '../hyperparams.ts';
import type { Param } from '../params.ts';

/**
 * Optimizers update parameter storage in place.
 *
 * Tensors are immutable, so parameters being trained live in mutable `Param` storage
 * (a Float32Array per parameter) owned by the training runtime; each forward pass wraps the
 * current values in fresh tensors (`paramTensors` in ../params.ts) and the gradients come back
 * as Float32Arrays. An optimizer step then rewrites `Param.data` and its own state buffers in
 * place: no allocation per step.
 *
 * Each optimizer is split the way a GPU kernel wants it: `update` computes the step's scalars
 * on the host (bias corrections, the effective lr) and calls one per-element kernel function
 * (`sgdKernel`, `adamKernel`, ...) that a WebGPU backend mirrors in WGSL with the same inputs.
 */

/** PyTorch's per-parameter `optimizer.state[p]`: a step count and named buffers. */
export interface ParamState {
  step: number;
  buffers: Record<string, Float32Array>;
}

/** Everything an optimizer remembers between steps (serialise it with `snapshot`). */
export interface OptimizerState {
  params: ParamState[];
}

export interface OptimizerDef<H extends { lr: number }> {
  name: string;
  /** the PyTorch class (or D2L function) it reproduces */
  pytorchClass: string;
  doc: string;
  /** one line, Unicode: the update rule */
  formula: string;
  hyperparams: HyperSchema<H>;
  /** which hyperparameter OneCycleLR cycles as "momentum": SGD/RMSprop's momentum or Adam's β₁ */
  momentum?: 'momentum' | 'betas';
  /** rules across parameters (SGD: nesterov needs momentum and no dampening) */
  check?(h: H): void;
  /** the buffers of a parameter before its first step (PyTorch's lazy state init) */
  initState(size: number, h: H): Record<string, Float32Array>;
  /**
   * One step for one parameter: `p` and `s.buffers` are updated in place; `s.step` has
   * already been incremented (it counts from 1). `lr` is the current (scheduled) rate.
   */
  update(p: Float32Array, g: Float32Array, s: ParamState, lr: number, h: H): void;
  /** the same step on the training device, for device-resident training (see `DeviceUpdate`) */
  device?: DeviceUpdate<H>;
}

/**
 * `update` as one per-element kernel on the device (WebGPU: gpu/<kernel>.wgsl), run in place on
 * the parameter and its buffers: the host computes the step's scalars exactly as `update` does,
 * so the two stay the same rule, and nothing is read back.
 */
export interface DeviceUpdate<H> {
  /** the kernel and its switches for these hyperparameters (e.g. SGD with momentum binds a buffer) */
  kernel(h: H): DeviceKernel;
  /** the state buffers it binds after the parameter, in binding order (initState's names) */
  buffers(h: H): string[];
  /**
   * The step's scalars in the kernel's order. `step` counts from 1; `fresh`: its buffers were
   * created for this step (SGD's momentum buffer starts as the gradient).
   */
  scalars(step: number, lr: number, h: H, fresh: boolean): DeviceScalars;
}

export interface DeviceKernel {
  name: string;
  defines: Record<string, number>;
}

/** f32 scalars then one word of bit flags, after the element count */
export interface DeviceScalars {
  floats: number[];
  flags: number;
}

/** A JSON-safe copy of an optimizer: hyperparameters, current lr and every buffer. */
export interface OptimizerSnapshot {
  optimizer: string;
  lr: number;
  hyperparams: Record<string, unknown>;
  params: { step: number; buffers: Record<string, number[]> }[];
}

/** An optimizer bound to a fixed list of parameters (sizes), with explicit state. */
export class Optimizer<H extends { lr: number } = any> {
  /** the learning rate the next step uses; a scheduler sets it (starts at hyperparams.lr) */
  lr: number;
  hyperparams: H;
  state: OptimizerState;
  private readonly sizes: number[];

  constructor(
    readonly def: OptimizerDef<H>,
    params: readonly Pick<Param, 'name' | 'data'>[],
    hyperparams: Record<string, unknown> = {},
  ) {
    this.hyperparams = resolveHyperparams(def.name, def.hyperparams, hyperparams);
    def.check?.(this.hyperparams);
    this.lr = this.hyperparams.lr;
    this.sizes = params.map((p) => p.data.length);
    this.state = { params: this.sizes.map(() => ({ step: 0, buffers: {} })) };
  }

  /**
   * One optimizer step: updates every parameter's data in place. A null gradient skips that
   * parameter (PyTorch skips `p.grad is None`), leaving its state and step count unchanged.
   */
  step(params: readonly Param[], grads: readonly (Float32Array | null)[]): void {
    const name = this.def.name;
    if (params.length !== this.sizes.length || grads.length !== this.sizes.length) {
      throw new ShapeError(
        name,
        `${name}: created for ${this.sizes.length} parameters, stepped with ${params.length} parameters and ${grads.length} gradients`,
      );
    }
    if (!(this.lr >= 0)) throw new AttrError(name, 'lr', `must be ≥ 0, got ${this.lr}`);
    params.forEach((p, i) => {
      const g = grads[i];
      if (p.data.length !== this.sizes[i] || (g && g.length !== this.sizes[i])) {
        throw new ShapeError(
          name,
          `${name}: parameter ${i} ('${p.name}') has ${p.data.length} values and gradient ${g?.length}, expected ${this.sizes[i]}`,
        );
      }
    });
    params.forEach((p, i) => {
      const g = grads[i];
      if (!g) return;
      const s = this.state.params[i];
      if (s.step === 0) s.buffers = this.def.initState(this.sizes[i], this.hyperparams);
      s.step += 1;
      this.def.update(p.data, g, s, this.lr, this.hyperparams);
    });
  }

  /** The momentum OneCycleLR cycles (SGD/RMSprop momentum, Adam-family β₁); undefined when none. */
  get momentum(): number | undefined {
    const h = this.hyperparams as Record<string, unknown>;
    if (this.def.momentum === 'momentum') return h.momentum as number;
    if (this.def.momentum === 'betas') return (h.betas as number[])[0];
    return undefined;
  }

  set momentum(m: number | undefined) {
    if (m === undefined) return;
    const h = this.hyperparams as Record<string, unknown>;
    if (this.def.momentum === 'momentum') this.hyperparams = { ...this.hyperparams, momentum: m };
    else if (this.def.momentum === 'betas') {
      this.hyperparams = { ...this.hyperparams, betas: [m, ...(h.betas as number[]).slice(1)] };
    } else throw new AttrError(this.def.name, 'momentum', 'cannot be cycled: this optimizer has no momentum');
  }

  snapshot(): OptimizerSnapshot {
    return {
      optimizer: this.def.name,
      lr: this.lr,
      hyperparams: structuredClone(this.hyperparams) as Record<string, unknown>,
      params: this.state.params.map((s) => ({
        step: s.step,
        buffers: Object.fromEntries(Object.entries(s.buffers).map(([k, v]) => [k, Array.from(v)])),
      })),
    };
  }

  /** Put back a snapshot taken from an optimizer of the same kind over the same parameters. */
  restore(snap: OptimizerSnapshot): void {
    const name = this.def.name;
    if (snap.optimizer !== name) throw new AttrError(name, 'snapshot', `was taken from ${snap.optimizer}`);
    if (snap.params.length !== this.sizes.length) {
      throw new ShapeError(
        name,
        `${name}: snapshot holds ${snap.params.length} parameters, expected ${this.sizes.length}`,
      );
    }
    const hyperparams = resolveHyperparams(name, this.def.hyperparams, snap.hyperparams);
    const params = snap.params.map((s, i) => {
      const buffers: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(s.buffers)) {
        if (v.length !== this.sizes[i]) {
          throw new ShapeError(
            name,
            `${name}: snapshot buffer ${k} of parameter ${i} has ${v.length} values, expected ${this.sizes[i]}`,
          );
        }
        buffers[k] = Float32Array.from(v);
      }
      return { step: s.step, buffers };
    });
    this.hyperparams = hyperparams;
    this.lr = snap.lr;
    this.state = { params };
  }
}

/** Common hyperparameter specs, PyTorch's ranges. */
export const lrSpec = (fallback: number, doc = 'learning rate') =>
  ({ kind: 'number', default: fallback, min: 0, doc }) as const;
export const weightDecaySpec = {
  kind: 'number',
  default: 0,
  min: 0,
  doc: 'L2 penalty: adds weight_decay·p to the gradient',
} as const;
export const epsSpec = (fallback: number, doc: string) =>
  ({ kind: 'number', default: fallback, min: 0, doc }) as const;
export const maximizeSpec = {
  kind: 'boolean',
  default: false,
  doc: 'maximise the objective (step along +gradient)',
} as const;
export const betasSpec = (b1: number, b2: number) =>
  ({
    kind: 'tuple',
    default: [b1, b2],
    ranges: [
      { min: 0, max: 1, maxOpen: true },
      { min: 0, max: 1, maxOpen: true },
    ],
    doc: 'decay rates (β₁, β₂) of the running averages of the gradient and its square',
  }) as const;

/** Buffers of `size` zeros (or `value`) under the given names. */
export function buffers(size: number, names: readonly string[], value = 0): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const n of names) out[n] = value === 0 ? new Float32Array(size) : new Float32Array(size).fill(value);
  return out;
}
