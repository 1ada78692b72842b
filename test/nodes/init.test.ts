import { describe, expect, it } from 'vitest';
import { kaimingNormalSpec, xavierNormalSpec, xavierUniformSpec } from '../../src/engine/init.ts';
import { catalog } from '../../src/nodes/index.ts';
import { lowerNode } from './harness.ts';
import { samples } from './samples.ts';

const initsOf = (type: string, params: Record<string, unknown> = {}) => {
  const sample = samples[type];
  return lowerNode(catalog.get(type)!, sample.inputs(), { ...sample.params, ...params }).inits;
};

describe('parameter initialisers', () => {
  it("default to PyTorch's: U(±1/√fan_in) for conv weights and biases", () => {
    const conv = initsOf('Conv1d');
    expect(conv.get('weight')).toEqual({ kind: 'uniform_fan_in', fanIn: 2 * 3 });
    expect(conv.get('bias')).toEqual({ kind: 'uniform_fan_in', fanIn: 2 * 3 });
    // a transposed conv's weight is [C_in, C_out/groups, k, k]: fan_in = C_out·k·k
    expect(initsOf('ConvTranspose2d').get('weight')).toEqual({ kind: 'uniform_fan_in', fanIn: 2 * 3 * 3 });
  });

  it("default to PyTorch's for embeddings, recurrent layers, attention and norms", () => {
    expect(initsOf('Embedding').get('weight')).toEqual({ kind: 'normal', std: 1 });
    for (const init of initsOf('GRU').values()) expect(init).toEqual({ kind: 'uniform_fan_in', fanIn: 6 });
    const mha = initsOf('MultiHeadAttention');
    expect(mha.get('in_proj_weight')).toEqual({ kind: 'uniform', bound: Math.sqrt(6 / (8 + 24)) });
    expect(mha.get('in_proj_bias')).toEqual({ kind: 'zeros' });
    expect(mha.get('out_proj.bias')).toEqual({ kind: 'zeros' });
    const bn = initsOf('BatchNorm2d');
    expect([bn.get('weight'), bn.get('bias')]).toEqual([{ kind: 'ones' }, { kind: 'zeros' }]);
  });

  it('offer Xavier, Kaiming, zeros and normal(σ) as choices, from the engine’s formulas', () => {
    const shape = [4, 2, 3];
    expect(initsOf('Conv1d', { init: 'xavier_uniform' }).get('weight')).toEqual({
      kind: 'uniform',
      bound: xavierUniformSpec(shape).bound,
    });
    expect(initsOf('Conv1d', { init: 'xavier_normal' }).get('weight')).toEqual({
      kind: 'normal',
      std: xavierNormalSpec(shape).std,
    });
    expect(initsOf('Conv1d', { init: 'kaiming_normal' }).get('weight')).toEqual({
      kind: 'normal',
      std: Math.SQRT2 / Math.sqrt(6),
    });
    expect(kaimingNormalSpec(shape).std).toBeCloseTo(Math.SQRT2 / Math.sqrt(6), 12);
    expect(initsOf('Conv1d', { init: 'normal', init_std: 0.01 }).get('weight')).toEqual({
      kind: 'normal',
      std: 0.01,
    });
    expect(initsOf('PatchEmbedding', { init: 'zeros' }).get('conv.weight')).toEqual({ kind: 'zeros' });
    // the bias keeps PyTorch's default whatever the weight's init
    expect(initsOf('Conv1d', { init: 'zeros' }).get('bias')).toEqual({ kind: 'uniform_fan_in', fanIn: 6 });
  });
});
