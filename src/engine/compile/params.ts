/**
 * The weights of a compiled model, kept on the CPU side by parameter key (`<node id>/<name>`).
 * Recompiling after an edit keeps every parameter whose key and shape are unchanged and
 * initialises the rest, and says which: the editor shows it.
 */
import { initSpec } from '../init.ts';
import { Rng } from '../random.ts';
import { type Param, param } from '../runtime/params.ts';
import { sizeOf } from '../tensor.ts';
import type { Plan, PlanInit, PlanParam } from './plan.ts';

/** What a recompile did to the weights, by parameter key. */
export interface ParamSyncReport {
  kept: string[];
  /** new parameters, or ones whose shape changed */
  initialised: string[];
  /** parameters of nodes no longer in the plan */
  removed: string[];
}

/** A seed per parameter key, so one layer's init does not depend on which others exist. */
export function keySeed(key: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Draw a parameter's starting values. */
export function initialValues(p: Pick<PlanParam, 'key' | 'shape' | 'init'>, seed: number): Float32Array {
  const data = new Float32Array(sizeOf(p.shape));
  const rng = new Rng(keySeed(p.key, seed));
  const init = p.init as PlanInit & Record<string, unknown>;
  switch (init.kind) {
    case 'uniform_fan_in': {
      const bound = 1 / Math.sqrt(Math.max(1, init.fanIn as number));
      return rng.fillUniform(data, -bound, bound);
    }
    case 'zeros':
      return data;
    case 'ones':
      return data.fill(1);
    case 'values':
      data.set(init.data as number[]);
      return data;
    case 'normal':
      return rng.fillNormal(data, (init.mean as number | undefined) ?? 0, init.std as number);
    case 'uniform':
      // U(−bound, bound) (the catalog's Xavier/Kaiming uniform), or U(low, high)
      return typeof init.bound === 'number'
        ? rng.fillUniform(data, -init.bound, init.bound)
        : rng.fillUniform(data, init.low as number, init.high as number);
    default: {
      const spec = initSpec(init.kind, p.shape, init as never);
      return spec.distribution === 'uniform'
        ? rng.fillUniform(data, -spec.bound!, spec.bound!)
        : rng.fillNormal(data, 0, spec.std);
    }
  }
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export class ParamStore {
  readonly params = new Map<string, Param>();
  /**
   * Bumped whenever values change in place (`restore`, `load`): a device copy made before is
   * stale. New or re-initialised parameters are new `Param` objects, so they need no bump.
   */
  version = 0;

  /** Match the store to a plan: keep what fits, initialise what is new or reshaped, drop the rest. */
  sync(plan: Pick<Plan, 'params'>, seed: number): ParamSyncReport {
    const report: ParamSyncReport = { kept: [], initialised: [], removed: [] };
    const wanted = new Set(plan.params.map((p) => p.key));
    for (const key of [...this.params.keys()]) {
      if (!wanted.has(key)) {
        this.params.delete(key);
        report.removed.push(key);
      }
    }
    for (const p of plan.params) {
      const have = this.params.get(p.key);
      if (have && sameShape(have.shape, p.shape)) {
        report.kept.push(p.key);
        continue;
      }
      this.params.set(p.key, param(p.key, p.shape, initialValues(p, seed)));
      report.initialised.push(p.key);
    }
    return report;
  }

  /** Initialise every parameter again from the seed. */
  reset(plan: Pick<Plan, 'params'>, seed: number): void {
    this.params.clear();
    this.sync(plan, seed);
  }

  get(key: string): Param {
    const p = this.params.get(key);
    if (!p) throw new Error(`no parameter '${key}' in the store (compile the graph first)`);
    return p;
  }

  /** Copies of every parameter's values (a checkpoint). */
  snapshot(): Map<string, Float32Array> {
    return new Map([...this.params].map(([k, p]) => [k, Float32Array.from(p.data)]));
  }

  /** Put back a snapshot's values into the parameters it holds with the same size. */
  restore(snapshot: ReadonlyMap<string, Float32Array>): void {
    this.version++;
    for (const [k, data] of snapshot) {
      const p = this.params.get(k);
      if (p && p.data.length === data.length) p.data.set(data);
    }
  }

  /** Set values by key (e.g. a reference case's initial weights). */
  load(values: Record<string, ArrayLike<number>>): void {
    this.version++;
    for (const [k, data] of Object.entries(values)) {
      const p = this.get(k);
      if (data.length !== p.data.length) {
        throw new Error(`parameter '${k}' has ${p.data.length} values, got ${data.length}`);
      }
      p.data.set(data);
    }
  }
}
