import { describe, expect } from 'vitest';
import { BackwardPass } from '../../src/engine/autograd/backward.ts';
import { createNodeWebGPUBackend } from '../../src/engine/backends/webgpu/node.ts';
import { compareValues } from '../../src/engine/conformance/compare.ts';
import { applyOp, getOp } from '../../src/engine/dispatch.ts';
import { type Backend, cpuBackend, Rng, type Tensor, tensor } from '../../src/engine/index.ts';

/** The WebGPU backend on this machine, or null (then every WebGPU test is skipped, loudly). */
const created = await createNodeWebGPUBackend();
export const webgpu = created.backend;
if (!webgpu) {
  console.warn(
    `\n!!!!! WebGPU TESTS SKIPPED: ${created.reason}.\n!!!!! Install the drivers with: sudo bash scripts/install-system-deps.sh\n`,
  );
}

export const describeGpu = webgpu ? describe : describe.skip;

export interface InputSpec {
  shape: number[];
  dtype?: 'float32' | 'int32';
  /** fixed values; random normal ones otherwise */
  data?: number[];
  /** random values in [lo, hi) instead of normal ones */
  range?: [number, number];
  grad?: boolean;
}

function values(spec: InputSpec, rng: Rng): number[] {
  if (spec.data) return spec.data;
  const n = spec.shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, () => (spec.range ? rng.uniform(...spec.range) : rng.normal()));
}

function run(
  backend: Backend,
  op: string,
  data: number[][],
  specs: (InputSpec | null)[],
  attrs: object,
  dOut: number[][] | null,
) {
  const inputs = specs.map((s, i) => (s ? tensor(data[i], s.shape, s.dtype ?? 'float32', backend) : null));
  inputs.forEach((t, i) => {
    if (t && specs[i]!.grad) t.requireGrad();
  });
  const outputs = applyOp(getOp(op), inputs, attrs);
  if (dOut) {
    const roots = outputs
      .map((t, i) => ({ tensor: t, grad: tensor(dOut[i], t.shape, 'float32', backend) }))
      .filter((r) => r.tensor.requiresGrad);
    new BackwardPass(roots).run();
  }
  return { inputs, outputs };
}

const read = (t: Tensor) => t.data().then((d) => Array.from(d));

/**
 * Run an op on the CPU reference and on WebGPU with the same random inputs and compare every
 * output, and (when an input has `grad`) every input gradient from a random upstream gradient.
 */
export async function expectSameAsCpu(
  op: string,
  specs: (InputSpec | null)[],
  attrs: object = {},
  { seed = 1, tol = { rtol: 1e-4, atol: 1e-5 } } = {},
): Promise<void> {
  const rng = new Rng(seed);
  const data = specs.map((s) => (s ? values(s, rng) : []));
  const withGrad = specs.some((s) => s?.grad);
  const ref = run(cpuBackend, op, data, specs, attrs, null);
  const dOut = withGrad ? ref.outputs.map((t) => values({ shape: [...t.shape] }, rng)) : null;
  const cpu = withGrad ? run(cpuBackend, op, data, specs, attrs, dOut) : ref;
  const gpu = run(webgpu!, op, data, specs, attrs, dOut);
  for (let i = 0; i < cpu.outputs.length; i++) {
    expect(gpu.outputs[i].shape, `${op} output ${i} shape`).toEqual(cpu.outputs[i].shape);
    expect(gpu.outputs[i].dtype).toBe(cpu.outputs[i].dtype);
    const m = compareValues(`${op} output ${i}`, await read(gpu.outputs[i]), await read(cpu.outputs[i]), tol);
    expect(m.ok, m.message).toBe(true);
  }
  for (let i = 0; i < specs.length; i++) {
    if (!specs[i]?.grad) continue;
    const want = cpu.inputs[i]!.grad;
    const got = gpu.inputs[i]!.grad;
    expect(got?.shape, `${op} grad ${i}`).toEqual(want?.shape);
    if (!want || !got) continue;
    const m = compareValues(`${op} grad of input ${i}`, await read(got), await read(want), tol);
    expect(m.ok, m.message).toBe(true);
  }
}
