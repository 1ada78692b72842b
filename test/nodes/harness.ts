/**
 * Running a node declaration on real tensors (CPU engine), as live mode does: a builder that
 * applies engine ops, creates seeded parameters (or takes given ones, to copy weights between
 * nodes) and keeps buffers. Shapes come from the declaration's own rule on the concrete inputs.
 */
import { applyOp, getOp } from '../../src/engine/dispatch.ts';
import { Rng, type Tensor, tensor } from '../../src/engine/index.ts';
import type { AnyNodeDef, OpBuilder, ParamInit } from '../../src/nodes/define.ts';
import { defaultParams } from '../../src/nodes/params.ts';
import type { Dim, TensorType } from '../../src/nodes/types.ts';

export const concrete = { unify: (a: Dim, b: Dim) => a === b, resolve: (d: Dim) => d, warn: () => {} };

export function sampleInit(init: ParamInit, shape: number[], rng: Rng): Float32Array {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (init.kind === 'uniform_fan_in')
    rng.fillUniform(data, -1 / Math.sqrt(init.fanIn), 1 / Math.sqrt(init.fanIn));
  else if (init.kind === 'uniform') rng.fillUniform(data, -init.bound, init.bound);
  else if (init.kind === 'normal') rng.fillNormal(data, 0, init.std);
  else if (init.kind === 'ones') data.fill(1);
  return data;
}

export interface Lowered {
  outputs: Tensor[];
  params: Map<string, Tensor>;
  inits: Map<string, ParamInit>;
  buffers: Map<string, Tensor>;
}

/** Lower `def` with `params` (defaults filled in) on `inputs`; `given` params are used instead of fresh ones. */
export function lowerNode(
  def: AnyNodeDef,
  inputs: (Tensor | null)[],
  params: Record<string, unknown> = {},
  given: Map<string, Tensor> = new Map(),
  seed = 1,
): Lowered {
  const full = { ...defaultParams(def.params), ...params } as never;
  const types = inputs.map((t): TensorType | null => (t ? { dtype: t.dtype, dims: [...t.shape] } : null));
  const inferred = def.infer(types, full, concrete);
  const outs = inferred.map((r) => {
    if (!('dims' in r)) throw new Error(`${def.type}: ${r.message}`);
    return r.dims as number[];
  });
  const rng = new Rng(seed);
  const made = new Map<string, Tensor>();
  const inits = new Map<string, ParamInit>();
  const buffers = new Map<string, Tensor>();
  const builder: OpBuilder<Tensor> = {
    op: (name, ins, attrs) => applyOp(getOp(name), ins, attrs),
    param(name, shape, init) {
      inits.set(name, init);
      const t =
        given.get(name) ??
        tensor(sampleInit(init, shape, rng), shape)
          .named(name)
          .requireGrad();
      made.set(name, t);
      return t;
    },
    constant: (data, shape, dtype = 'float32') => tensor(data, shape, dtype),
    source: () => {
      throw new Error('no sources in node tests');
    },
    buffer: (name, shape, init) => buffers.get(name) ?? tensor(sampleInit(init, shape, rng), shape),
    setBuffer: (name, value) => {
      buffers.set(name, value);
    },
  };
  const outputs = def.lower(builder, inputs, full, {
    inputs: inputs.map((t) => (t ? [...t.shape] : null)),
    outputs: outs,
  });
  return { outputs, params: made, inits, buffers };
}

/** Seeded normal values of a shape. */
export function randomTensor(
  shape: number[],
  seed: number,
  dtype: 'float32' | 'int32' = 'float32',
  high = 4,
): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, () => (dtype === 'int32' ? rng.int(high) : rng.normal()));
  return tensor(data, shape, dtype);
}

export async function expectClose(got: Tensor, want: Tensor, tol = 1e-5): Promise<void> {
  const { expect } = await import('vitest');
  expect([...got.shape]).toEqual([...want.shape]);
  const a = await got.data();
  const b = await want.data();
  for (let i = 0; i < b.length; i++) {
    expect(Math.abs(a[i] - b[i]), `[${i}] got ${a[i]}, want ${b[i]}`).toBeLessThanOrEqual(
      tol * (1 + Math.abs(b[i])),
    );
  }
}
