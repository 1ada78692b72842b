// @vitest-environment happy-dom
/** The framework-free controllers, driven by synthetic pointer, wheel and key events. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConnect, type PortHandle } from '../../src/ui/controllers/connect.ts';
import { createDrag } from '../../src/ui/controllers/drag.ts';
import { createPanZoom, type Viewport, zoomAbout } from '../../src/ui/controllers/panzoom.ts';
import { pointerEvent } from '../../src/ui/canvas/testing.tsx';

const pointer = pointerEvent;

function element(): HTMLDivElement {
  const el = document.createElement('div');
  document.body.append(el);
  return el;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('createPanZoom', () => {
  it('zooms about the cursor: the world point under it stays put', () => {
    const v0: Viewport = { x: 10, y: 20, k: 1 };
    const v1 = zoomAbout(v0, 2, 110, 70, 0.1, 4);
    expect(v1.k).toBe(2);
    // world point under (110, 70) before: (100, 50); after: the same
    expect((110 - v1.x) / v1.k).toBeCloseTo(100);
    expect((70 - v1.y) / v1.k).toBeCloseTo(50);
  });

  it('clamps the zoom to its limits', () => {
    expect(zoomAbout({ x: 0, y: 0, k: 1 }, 100, 0, 0, 0.1, 3).k).toBe(3);
    expect(zoomAbout({ x: 0, y: 0, k: 1 }, 0.001, 0, 0, 0.1, 3).k).toBe(0.1);
  });

  it('zooms in on wheel-up and pans on space-drag, then stops after destroy', () => {
    const el = element();
    let v: Viewport = { x: 0, y: 0, k: 1 };
    const panMode = vi.fn();
    const pz = createPanZoom(el, {
      getViewport: () => v,
      onChange: (next) => (v = next),
      onPanMode: panMode,
    });
    el.dispatchEvent(new WheelEvent('wheel', { deltaY: -100, clientX: 0, clientY: 0, cancelable: true }));
    expect(v.k).toBeGreaterThan(1);
    const k = v.k;
    // happy-dom's WheelEvent has no client coordinates; the zoom-about maths is tested above
    v = { x: 0, y: 0, k };

    window.dispatchEvent(new KeyboardEvent('keydown', { code: 'Space', key: ' ' }));
    expect(panMode).toHaveBeenLastCalledWith(true);
    el.dispatchEvent(pointer('pointerdown', 100, 100));
    window.dispatchEvent(pointer('pointermove', 130, 90));
    window.dispatchEvent(pointer('pointerup', 130, 90));
    expect(v).toEqual({ x: 30, y: -10, k });
    window.dispatchEvent(new KeyboardEvent('keyup', { code: 'Space', key: ' ' }));
    expect(panMode).toHaveBeenLastCalledWith(false);

    pz.destroy();
    el.dispatchEvent(new WheelEvent('wheel', { deltaY: -100, cancelable: true }));
    expect(v.k).toBe(k);
  });

  it('leaves a plain drag alone (that is box selection or a node drag)', () => {
    const el = element();
    let v: Viewport = { x: 0, y: 0, k: 1 };
    createPanZoom(el, { getViewport: () => v, onChange: (next) => (v = next) });
    el.dispatchEvent(pointer('pointerdown', 0, 0));
    window.dispatchEvent(pointer('pointermove', 50, 50));
    window.dispatchEvent(pointer('pointerup', 50, 50));
    expect(v).toEqual({ x: 0, y: 0, k: 1 });
  });
});

describe('createDrag', () => {
  it('reports offsets from the press once past the threshold, and whether it moved', () => {
    const el = element();
    const moves: [number, number][] = [];
    const end = vi.fn();
    createDrag<string>(el, {
      start: () => 'node',
      move: (_s, m) => moves.push([m.dx, m.dy]),
      end,
      threshold: 5,
    });
    el.dispatchEvent(pointer('pointerdown', 10, 10));
    window.dispatchEvent(pointer('pointermove', 12, 11));
    window.dispatchEvent(pointer('pointermove', 30, 40));
    window.dispatchEvent(pointer('pointerup', 30, 40));
    expect(moves).toEqual([[20, 30]]);
    expect(end).toHaveBeenCalledWith('node', true, expect.anything());
  });

  it('treats a press without movement as a click and ignores presses start() refuses', () => {
    const el = element();
    const end = vi.fn();
    const start = vi.fn((e: PointerEvent) => (e.shiftKey ? null : 1));
    createDrag(el, { start, move: () => {}, end });
    el.dispatchEvent(pointer('pointerdown', 0, 0, { shiftKey: true }));
    window.dispatchEvent(pointer('pointerup', 0, 0));
    expect(end).not.toHaveBeenCalled();
    el.dispatchEvent(pointer('pointerdown', 0, 0));
    window.dispatchEvent(pointer('pointerup', 1, 0));
    expect(end).toHaveBeenCalledWith(1, false, expect.anything());
  });
});

describe('createConnect', () => {
  function ports() {
    const el = element();
    el.innerHTML = `
      <button data-port-node="node:a" data-port-name="output" data-port-side="out"></button>
      <button data-port-node="node:b" data-port-name="input" data-port-side="in"></button>
      <button data-port-node="node:c" data-port-name="target" data-port-side="in"></button>`;
    const [out, inB, inC] = [...el.querySelectorAll('button')];
    return { el, out, inB, inC };
  }

  it('connects an output to an accepted input and previews the hovered port', () => {
    const { el, out, inB } = ports();
    const connect = vi.fn();
    const preview = vi.fn();
    createConnect(el, {
      begin: () => true,
      preview,
      canConnect: (_a, b) => b.node === 'node:b',
      connect,
      cancel: () => {},
      hitTest: () => inB,
    });
    out.dispatchEvent(pointer('pointerdown', 0, 0));
    window.dispatchEvent(pointer('pointermove', 50, 0));
    expect(preview).toHaveBeenLastCalledWith(
      expect.objectContaining({ node: 'node:a' }),
      { x: 50, y: 0 },
      { node: 'node:b', port: 'input', side: 'in' },
    );
    window.dispatchEvent(pointer('pointerup', 50, 0));
    const from: PortHandle = { node: 'node:a', port: 'output', side: 'out' };
    expect(connect).toHaveBeenCalledWith(from, { node: 'node:b', port: 'input', side: 'in' });
  });

  it('cancels when released over a port that refuses the wire', () => {
    const { el, out, inC } = ports();
    const connect = vi.fn();
    const cancel = vi.fn();
    createConnect(el, {
      begin: () => true,
      preview: () => {},
      canConnect: () => false,
      connect,
      cancel,
      hitTest: () => inC,
    });
    out.dispatchEvent(pointer('pointerdown', 0, 0));
    window.dispatchEvent(pointer('pointerup', 9, 9));
    expect(connect).not.toHaveBeenCalled();
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('ignores presses that are not on a port', () => {
    const { el } = ports();
    const begin = vi.fn(() => true);
    createConnect(el, {
      begin,
      preview: () => {},
      canConnect: () => true,
      connect: () => {},
      cancel: () => {},
    });
    el.dispatchEvent(pointer('pointerdown', 0, 0));
    expect(begin).not.toHaveBeenCalled();
  });
});
