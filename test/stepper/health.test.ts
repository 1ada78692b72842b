import { describe, expect, it } from 'vitest';
import {
  deadReluFraction,
  gradToWeightRatio,
  healthReport,
  layerHealth,
  samplesFromStepper,
  saturationFraction,
  updateRatio,
} from '../../src/graph/health.ts';
import { createStepper, StepperError } from '../../src/graph/stepper.ts';
import { id, mlpDocument, studyCatalog } from './graphs.ts';

describe('gradient-health measures', () => {
  it('‖∇W‖/‖W‖ and the update ratio', () => {
    expect(gradToWeightRatio([3, 4], [0.3, 0.4])).toBeCloseTo(0.1, 12);
    expect(gradToWeightRatio([0, 0], [0, 0])).toBe(0);
    expect(gradToWeightRatio([0, 0], [1, 0])).toBe(Number.POSITIVE_INFINITY);
    expect(updateRatio([3, 4], [3.003, 4.004])).toBeCloseTo(1e-3, 9);
    expect(() => updateRatio([1], [1, 2])).toThrow('updateRatio: 1 values before, 2 after');
  });

  it('a ReLU unit is dead when it is zero for every example of the batch', () => {
    // batch 3 × 4 units: unit 0 fires once, units 1 and 3 never, unit 2 always
    const out = [0, 0, 1, 0, 2, 0, 1, 0, 0, 0, 1, 0];
    expect(deadReluFraction([3, 4], out)).toBe(0.5);
  });

  it('sigmoid and tanh saturation: outputs in the flat tails', () => {
    expect(saturationFraction('sigmoid', [0.001, 0.5, 0.999, 0.7])).toBe(0.5);
    expect(saturationFraction('tanh', [-0.999, 0.2, 0.995, 0.1])).toBe(0.5);
  });

  it('flags vanishing, exploding, dead, saturated and non-finite layers', () => {
    const w = [0.5, -0.5, 0.25, 1];
    const report = healthReport([
      {
        nodeId: 'node:a',
        nodeType: 'Linear',
        params: [{ name: 'weight', value: w, grad: w.map((v) => v * 1e-9) }],
      },
      {
        nodeId: 'node:b',
        nodeType: 'Linear',
        params: [{ name: 'weight', value: w, grad: w.map((v) => v * 50) }],
      },
      { nodeId: 'node:c', nodeType: 'ReLU', params: [], output: { shape: [2, 2], values: [0, 0, 0, 1] } },
      { nodeId: 'node:d', nodeType: 'Tanh', params: [], output: { shape: [2], values: [0.999, -0.999] } },
      {
        nodeId: 'node:e',
        nodeType: 'Linear',
        params: [{ name: 'weight', value: w, grad: [Number.NaN, 0, 0, 0] }],
      },
      {
        nodeId: 'node:f',
        nodeType: 'Linear',
        params: [{ name: 'weight', value: w, grad: w.map((v) => v * 0.01), before: w.map((v) => v * 0.999) }],
      },
    ]);
    expect(report.flagged).toEqual({
      'node:a': ['vanishing'],
      'node:b': ['exploding'],
      'node:c': ['dead_relu'],
      'node:d': ['saturated'],
      'node:e': ['non_finite'],
    });
    expect(report.layers[5].params[0].updateRatio).toBeCloseTo(0.001001, 5);
  });

  it('thresholds can be tightened', () => {
    const health = layerHealth(
      {
        nodeId: 'node:r',
        nodeType: 'ReLU',
        params: [],
        output: { shape: [2, 4], values: [1, 0, 1, 1, 1, 0, 1, 1] },
      },
      { dead: 0.2 },
    );
    expect(health.deadFraction).toBe(0.25);
    expect(health.flags).toEqual(['dead_relu']);
  });

  it('reads a stepped graph: every parameter with its gradient, the ReLU with its output', () => {
    const stepper = createStepper(mlpDocument(), studyCatalog, { intHigh: 3 });
    if (stepper instanceof StepperError) throw stepper;
    const samples = samplesFromStepper(stepper);
    expect(samples.map((s) => s.nodeId).sort()).toEqual([id('fc1'), id('fc2'), id('relu')].sort());
    const { layers } = healthReport(samples);
    const fc1 = layers.find((l) => l.nodeId === id('fc1'))!;
    const w = stepper.forward.params.get(`${id('fc1')}/weight`)!;
    const g = stepper.pass.gradOf(w)!;
    const norm = (t: typeof w) => Math.hypot(...t.toArray());
    expect(fc1.params.find((p) => p.name === 'weight')!.gradToWeight).toBeCloseTo(norm(g) / norm(w), 6);
    const relu = layers.find((l) => l.nodeId === id('relu'))!;
    expect(relu.deadFraction).toBeGreaterThanOrEqual(0);
    expect(relu.deadFraction).toBeLessThanOrEqual(1);
  });
});
