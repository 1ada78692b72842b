import { describe, expect, it } from 'vitest';
import type { Trajectory } from '../../templates/trajectory.ts';
import { BANDS, surfaceCells, trajectoryGeometry, valueBands } from './trajectory-plot.ts';

const path = (points: [number, number][]): Trajectory => ({
  optimizer: 'node:sgd',
  label: 'SGD',
  param: 'node:x/value',
  points,
  lossAt: async () => 0,
});

describe('trajectory plot geometry', () => {
  it('draws both axes at one scale, so a long thin bowl stays long and thin', () => {
    const g = trajectoryGeometry(
      [
        path([
          [-5, -2],
          [-4, 1],
          [0, 0],
        ]),
      ],
      { width: 260, height: 150 },
    );
    const dots = g.paths[0].dots;
    const dx = dots[2].x - dots[0].x; // 5 data units
    const dy = dots[0].y - dots[2].y; // 2 data units, y up
    expect(dx / dy).toBeCloseTo(5 / 2, 1);
    // the view covers the data and fills the box on the tighter axis
    expect(g.view.x[0]).toBeLessThanOrEqual(-5);
    expect(g.view.y[1]).toBeGreaterThanOrEqual(1);
    expect((g.view.x[1] - g.view.x[0]) / (g.view.y[1] - g.view.y[0])).toBeCloseTo(260 / 150, 5);
  });

  it('leaves non-finite points out of the line but keeps the last value for the legend', () => {
    const g = trajectoryGeometry(
      [
        path([
          [1, 1],
          [Number.NaN, 2],
        ]),
      ],
      { width: 100, height: 100 },
    );
    expect(g.paths[0].dots).toHaveLength(1);
    expect(Number.isNaN(g.paths[0].last[0])).toBe(true);
  });

  it('cuts the box into cells whose centres span the view', () => {
    const g = trajectoryGeometry(
      [
        path([
          [-4, -2],
          [4, 2],
        ]),
      ],
      { width: 200, height: 100 },
    );
    const cells = surfaceCells(g, 4, 2);
    expect(cells).toHaveLength(8);
    expect(cells[0].at[0]).toBeCloseTo(g.view.x[0] + (g.view.x[1] - g.view.x[0]) / 8, 6);
    expect(cells[0].at[1]).toBeGreaterThan(cells[4].at[1]); // first row is the top
  });

  it('bands values on a log scale above the minimum; non-finite ones go to the top band', () => {
    expect(valueBands([0, 1, 1000, Number.POSITIVE_INFINITY])).toEqual([0, 0, BANDS - 1, BANDS - 1]);
    expect(valueBands([Number.NaN])).toEqual([BANDS - 1]);
  });
});

describe('surface cells', () => {
  it('tile the box exactly: whole pixels, no gaps, no overlaps', () => {
    const g = trajectoryGeometry(
      [
        path([
          [-5, -2],
          [0, 0],
        ]),
      ],
      { width: 260, height: 150 },
    );
    const cells = surfaceCells(g, 52, 30);
    expect(cells.reduce((n, c) => n + c.width * c.height, 0)).toBe(260 * 150);
    for (const c of cells) expect(Number.isInteger(c.x) && Number.isInteger(c.width)).toBe(true);
  });
});
