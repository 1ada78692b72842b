import { describe, expect, it } from 'vitest';
import { runInitStatsCase } from '../../src/engine/conformance/families/init_stats.ts';
import { AttrError, cpuBackend, Rng, ShapeError, type Tensor } from '../../src/engine/index.ts';
import {
  calculateGain,
  defaultLayerInit,
  fans,
  kaimingNormal,
  kaimingUniform,
  kaimingUniformSpec,
  normal,
  xavierNormal,
  xavierUniform,
  xavierUniformSpec,
  zerosInit,
} from '../../src/engine/init.ts';

function stats(t: Tensor): { mean: number; std: number; maxAbs: number } {
  const v = t.toArray();
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, maxAbs: v.reduce((m, x) => Math.max(m, Math.abs(x)), 0) };
}

describe('calculate_gain', () => {
  it.each([
    ['linear', null, 1],
    ['conv2d', null, 1],
    ['sigmoid', null, 1],
    ['tanh', null, 5 / 3],
    ['relu', null, Math.SQRT2],
    ['leaky_relu', null, Math.sqrt(2 / (1 + 0.01 ** 2))],
    ['leaky_relu', 0.2, Math.sqrt(2 / 1.04)],
    ['leaky_relu', 0, Math.SQRT2],
    ['selu', null, 0.75],
  ] as const)('%s (param %s) is %f', (nonlinearity, param, gain) => {
    expect(calculateGain(nonlinearity, param)).toBeCloseTo(gain, 14);
  });

  it('rejects an unknown nonlinearity with PyTorch message', () => {
    expect(() => calculateGain('swish')).toThrow(AttrError);
    expect(() => calculateGain('swish')).toThrow('Unsupported nonlinearity swish');
  });
});

describe('fans', () => {
  it('multiplies the channel dims by the receptive field', () => {
    expect(fans([64, 128])).toEqual({ fanIn: 128, fanOut: 64 });
    expect(fans([16, 8, 3, 3])).toEqual({ fanIn: 72, fanOut: 144 });
    expect(fans([6, 1, 5])).toEqual({ fanIn: 5, fanOut: 30 });
  });

  it('refuses tensors with fewer than 2 dims, as PyTorch does', () => {
    expect(() => fans([10])).toThrow(ShapeError);
    expect(() => fans([10])).toThrow(
      'Fan in and fan out can not be computed for tensor with fewer than 2 dimensions',
    );
  });
});

describe('initialisers', () => {
  const shape = [256, 512];

  it('draws xavier_uniform inside ±bound with std bound/√3', () => {
    const { bound, std } = xavierUniformSpec(shape, 2);
    expect(bound).toBeCloseTo(2 * Math.sqrt(6 / 768), 14);
    const s = stats(xavierUniform(shape, new Rng(1), 2));
    expect(s.maxAbs).toBeLessThanOrEqual(bound! * (1 + 1e-7));
    expect(Math.abs(s.std / std - 1)).toBeLessThan(0.02);
  });

  it('draws xavier_normal and kaiming_normal with the formula std', () => {
    const xn = stats(xavierNormal(shape, new Rng(2)));
    expect(Math.abs(xn.std / Math.sqrt(2 / 768) - 1)).toBeLessThan(0.02);
    const kn = stats(kaimingNormal(shape, new Rng(3), { nonlinearity: 'relu', mode: 'fan_out' }));
    expect(Math.abs(kn.std / (Math.SQRT2 / Math.sqrt(256)) - 1)).toBeLessThan(0.02);
    expect(Math.abs(kn.mean)).toBeLessThan(0.01 * kn.std + (6 * kn.std) / Math.sqrt(256 * 512));
  });

  it('gives nn.Linear its default init: weight and bias within ±1/√fan_in', () => {
    const { weight, bias } = defaultLayerInit([64, 100], [64], new Rng(4));
    const w = stats(weight);
    expect(w.maxAbs).toBeLessThanOrEqual(0.1);
    expect(w.maxAbs).toBeGreaterThan(0.099);
    expect(Math.abs(w.std / (0.1 / Math.sqrt(3)) - 1)).toBeLessThan(0.05);
    expect(bias!.shape).toEqual([64]);
    expect(stats(bias!).maxAbs).toBeLessThanOrEqual(0.1);
    expect(kaimingUniformSpec([64, 100], { a: Math.sqrt(5) }).bound).toBeCloseTo(0.1, 14);
  });

  it('repeats itself from the same seed and differs with another', () => {
    const a = kaimingUniform([8, 8], new Rng(9)).toArray();
    expect(kaimingUniform([8, 8], new Rng(9)).toArray()).toEqual(a);
    expect(kaimingUniform([8, 8], new Rng(10)).toArray()).not.toEqual(a);
  });

  it('makes zeros and scaled normals', () => {
    expect(zerosInit([3]).toArray()).toEqual([0, 0, 0]);
    const n = stats(normal([200, 200], new Rng(5), 0.01));
    expect(Math.abs(n.std / 0.01 - 1)).toBeLessThan(0.02);
  });

  it('rejects an unknown fan mode with PyTorch message', () => {
    expect(() => kaimingUniform([4, 4], new Rng(1), { mode: 'fan_avg' })).toThrow(
      "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']",
    );
  });
});

describe('the init_stats family runner', () => {
  const xavierCase = {
    id: 'init_x',
    init: 'xavier_uniform',
    tensor_shape: [64, 128],
    params: { gain: 1.0 },
    fan_in: 128,
    fan_out: 64,
    gain: 1.0,
    bound: 0.176776695297,
    std: 0.102062072616,
  };

  it('passes a case whose numbers follow the formula', async () => {
    expect((await runInitStatsCase(xavierCase, { backend: cpuBackend })).ok).toBe(true);
  });

  it('fails a case whose std, bound or fans are off', async () => {
    for (const wrong of [{ std: 0.11 }, { bound: 0.18 }, { fan_in: 64 }]) {
      const r = await runInitStatsCase({ ...xavierCase, ...wrong }, { backend: cpuBackend });
      expect(r.ok, JSON.stringify(wrong)).toBe(false);
    }
  });

  it('reports an initialiser it does not know as unsupported', async () => {
    const r = await runInitStatsCase({ ...xavierCase, init: 'orthogonal' }, { backend: cpuBackend });
    expect(r).toMatchObject({ ok: false, unsupported: true });
  });
});
