import { describe, expect, it } from 'vitest';
import type { StepMetrics } from '../../engine/runtime/train.ts';
import { emptySeries } from '../persist/runs.ts';
import {
  appendStep,
  epochRow,
  formatDuration,
  progressText,
  splitParamKey,
  summariseRecompile,
} from './series.ts';

const metrics = (
  step: number,
  gradNorms: Record<string, number>,
  extra: Partial<StepMetrics> = {},
): StepMetrics => ({
  epoch: 0,
  step,
  batch: step,
  batchesPerEpoch: 10,
  loss: 1 / step,
  lr: { 'node:sgd': 0.1 },
  gradNorms,
  samplesPerSec: 1234.4,
  etaSec: 65,
  ...extra,
});

describe('training series', () => {
  it('appends one column entry per reported step and skips a step reported twice', () => {
    const s = emptySeries();
    expect(appendStep(s, metrics(1, { 'node:fc1': 2 }, { accuracy: 0.5 }))).toBe(true);
    expect(appendStep(s, metrics(1, { 'node:fc1': 2 }))).toBe(false);
    expect(appendStep(s, metrics(3, { 'node:fc1': 1 }))).toBe(true);
    expect(s.steps).toEqual([1, 3]);
    expect(s.loss).toEqual([1, 1 / 3]);
    expect(s.accuracy).toEqual([0.5, null]);
    expect(s.lr).toEqual([0.1, 0.1]);
    expect(s.gradNorms['node:fc1']).toEqual([2, 1]);
  });

  it('keeps gradient-norm columns aligned with the steps when a layer appears or goes away mid-run', () => {
    const s = emptySeries();
    appendStep(s, metrics(1, { 'node:fc1': 2 }));
    appendStep(s, metrics(2, { 'node:fc1': 2, 'node:fc2': 5 }));
    appendStep(s, metrics(3, { 'node:fc2': 4 }));
    expect(s.gradNorms['node:fc1']).toEqual([2, 2, null]);
    expect(s.gradNorms['node:fc2']).toEqual([null, 5, 4]);
  });

  it('places an epoch on the step axis and keeps missing validation as null', () => {
    const row = epochRow(
      {
        epoch: 1,
        trainLoss: 0.4,
        val: { loss: 0.5, accuracy: 0.9, samples: 20 },
        seconds: 2,
        samplesPerSec: 100,
      },
      40,
    );
    expect(row).toEqual({
      epoch: 1,
      step: 40,
      trainLoss: 0.4,
      trainAccuracy: null,
      valLoss: 0.5,
      valAccuracy: 0.9,
      seconds: 2,
      samplesPerSec: 100,
    });
    expect(
      epochRow({ epoch: 0, trainLoss: 1, val: null, seconds: 1, samplesPerSec: 1 }, 5).valLoss,
    ).toBeNull();
  });

  it('says where the run is, how fast and how long is left', () => {
    expect(progressText(metrics(4, {}), 5)).toBe('epoch 1/5 · batch 4/10 · 1,234 samples/s · ETA 1 min 5 s');
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(3725)).toBe('1 h 2 min');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it('reports a recompile per node: kept, re-initialised (any tensor new), removed', () => {
    const summary = summariseRecompile(
      {
        kept: ['node:fc1/weight', 'node:fc1/bias', 'node:fc2/bias', 'node:block/conv/weight'],
        initialised: ['node:fc2/weight'],
        removed: ['node:fc3/weight', 'node:fc3/bias'],
      },
      ['node:fc1/weight', 'node:fc1/bias'],
    );
    expect(summary).toEqual({
      kept: ['node:fc1', 'node:block/conv'],
      initialised: ['node:fc2'],
      removed: ['node:fc3'],
      optimizerStateKept: 2,
    });
    expect(splitParamKey('node:block/conv/weight')).toEqual({ node: 'node:block/conv', name: 'weight' });
  });
});
