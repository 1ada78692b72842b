// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { emptySeries } from '../persist/runs.ts';
import { alignCurves, type Curve, runCurves, spansDecades, tickText } from './charts.ts';

const curve = (x: number[], y: (number | null)[]): Curve => ({ label: 'c', x, y, color: '#000' });

describe('training charts', () => {
  it('join curves with their own steps onto one axis, nothing where a curve has no point', () => {
    // undefined (not null): uPlot draws a curve across the other curves' steps instead of breaking it
    expect(alignCurves([curve([1, 2, 3], [3, 2, 1]), curve([2, 4], [5, 6])])).toEqual([
      [1, 2, 3, 4],
      [3, 2, 1, undefined],
      [undefined, 5, undefined, 6],
    ]);
  });

  it('draw non-finite values as gaps, and on a log axis log10 of positive values only', () => {
    expect(alignCurves([curve([1, 2, 3], [Number.NaN, Number.POSITIVE_INFINITY, 2])])).toEqual([
      [1, 2, 3],
      [null, null, 2],
    ]);
    expect(alignCurves([curve([1, 2, 3], [100, 0, 0.001])], true)).toEqual([
      [1, 2, 3],
      [2, null, -3],
    ]);
  });

  it('go logarithmic past four decades', () => {
    expect(spansDecades([curve([1, 2], [2.3, 1e26])])).toBe(true);
    expect(spansDecades([curve([1, 2], [2.3, 0.05])])).toBe(false);
  });

  it('label ticks briefly', () => {
    expect([0, 0.1, 2.25, 1e5, 3e-4, 123456].map(tickText)).toEqual([
      '0',
      '0.1',
      '2.25',
      '1e+5',
      '3e-4',
      '1e+5',
    ]);
  });

  it('give each run one colour: train solid per step, validation dashed per epoch', () => {
    const series = emptySeries();
    series.steps.push(1, 2);
    series.loss.push(2, 1);
    series.accuracy.push(null, null);
    const epochs = [
      {
        epoch: 0,
        step: 2,
        trainLoss: 1.5,
        trainAccuracy: null,
        valLoss: 1.2,
        valAccuracy: 0.6,
        seconds: 1,
        samplesPerSec: 10,
      },
    ];
    const curves = runCurves(
      [
        { label: 'a', series, epochs },
        { label: 'b', series, epochs: [] },
      ],
      'loss',
    );
    expect(curves.map((c) => [c.label, c.color, !!c.dash, Array.from(c.y)])).toEqual([
      ['a · train loss', curves[0].color, false, [2, 1]],
      ['a · val loss', curves[0].color, true, [1.2]],
      ['b · train loss', curves[2].color, false, [2, 1]],
    ]);
    expect(curves[2].color).not.toBe(curves[0].color);
  });
});
