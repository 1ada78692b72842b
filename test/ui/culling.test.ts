/** Culling: the rendered region covers the view plus a margin, snapped to cells so panning rarely changes it. */
import { describe, expect, it } from 'vitest';
import { CULL_CELL, edgeVisible, nodeVisible, renderRegion } from '../../src/ui/canvas/culling.ts';

describe('the rendered region', () => {
  it('covers the view and its margin, snapped outwards to whole cells', () => {
    const r = renderRegion({ x: 0, y: 0, k: 1 }, { width: 1000, height: 600 });
    expect(r).toEqual({ x: -CULL_CELL, y: -CULL_CELL, width: 4 * CULL_CELL, height: 3 * CULL_CELL });
  });

  it('stays the same for a small pan, and grows in world units when zoomed out', () => {
    const size = { width: 1000, height: 600 };
    expect(renderRegion({ x: -20, y: 10, k: 1 }, size)).toEqual(renderRegion({ x: 0, y: 0, k: 1 }, size));
    const far = renderRegion({ x: 0, y: 0, k: 0.25 }, size);
    expect(far?.width).toBeGreaterThanOrEqual(4 * 1000);
  });

  it('is unknown before the canvas has a size (everything renders then)', () => {
    expect(renderRegion({ x: 0, y: 0, k: 1 }, { width: 0, height: 0 })).toBeNull();
  });

  it('keeps nodes that touch it and edges whose span crosses it, even with both ends outside', () => {
    const region = { x: 0, y: 0, width: 1000, height: 1000 };
    expect(nodeVisible(region, { x: 990, y: 10 }, 80)).toBe(true);
    expect(nodeVisible(region, { x: 1200, y: 10 }, 80)).toBe(false);
    const left = { position: { x: -900, y: 500 }, height: 80 };
    const right = { position: { x: 1500, y: 500 }, height: 80 };
    expect(edgeVisible(region, left, right)).toBe(true);
    expect(edgeVisible(region, right, { position: { x: 1800, y: 0 }, height: 80 })).toBe(false);
  });
});
