/**
 * Pan and zoom of a canvas, framework-free: wheel or trackpad pinch zooms about the cursor,
 * space-drag or middle-drag pans, two touch pointers pan and pinch. The viewport lives with
 * the caller (getViewport/onChange); this holds only the gesture in progress.
 */
import { type Controller, capture, followPointer, isTyping } from './pointer.ts';

export interface Viewport {
  /** screen offset of the world origin, in px */
  x: number;
  y: number;
  /** zoom factor */
  k: number;
}

export interface PanZoomOptions {
  getViewport(): Viewport;
  onChange(viewport: Viewport): void;
  /** called when holding space turns panning on or off (for the grab cursor) */
  onPanMode?(active: boolean): void;
  minZoom: number;
  maxZoom: number;
}

export function clampZoom(k: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, k));
}

/** The viewport after zooming by `factor` about a screen point (which stays put). */
export function zoomAbout(
  v: Viewport,
  factor: number,
  sx: number,
  sy: number,
  min: number,
  max: number,
): Viewport {
  const k = clampZoom(v.k * factor, min, max);
  const wx = (sx - v.x) / v.k;
  const wy = (sy - v.y) / v.k;
  return { x: sx - wx * k, y: sy - wy * k, k };
}

export function createPanZoom(
  element: HTMLElement,
  init: Partial<PanZoomOptions> & Pick<PanZoomOptions, 'getViewport' | 'onChange'>,
): Controller<PanZoomOptions> & { isPanning(): boolean } {
  const o: PanZoomOptions = { minZoom: 0.1, maxZoom: 3, ...init };
  let spaceHeld = false;
  let panning = false;
  const touches = new Map<number, { x: number; y: number }>();
  let stopFollow: (() => void) | null = null;

  const local = (e: { clientX: number; clientY: number }) => {
    const r = element.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const p = local(e);
    // a pinch arrives as a wheel with ctrlKey and small deltas; a mouse wheel as larger steps
    const scale = e.ctrlKey ? 0.01 : 0.0015;
    const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    o.onChange(zoomAbout(o.getViewport(), Math.exp(-delta * scale), p.x, p.y, o.minZoom, o.maxZoom));
  };

  const startPan = (e: PointerEvent) => {
    e.preventDefault();
    e.stopPropagation();
    panning = true;
    capture(element, e.pointerId);
    let last = { x: e.clientX, y: e.clientY };
    stopFollow = followPointer(
      e.pointerId,
      (m) => {
        const v = o.getViewport();
        o.onChange({ x: v.x + m.clientX - last.x, y: v.y + m.clientY - last.y, k: v.k });
        last = { x: m.clientX, y: m.clientY };
      },
      () => {
        panning = false;
        stopFollow = null;
      },
    );
  };

  const onPointerDown = (e: PointerEvent) => {
    if (e.pointerType === 'touch') {
      touches.set(e.pointerId, local(e));
      if (touches.size === 2) e.stopPropagation();
      return;
    }
    if (spaceHeld || e.button === 1) startPan(e);
  };

  // two touch pointers: the centroid pans, the spread zooms
  const onTouchMove = (e: PointerEvent) => {
    if (e.pointerType !== 'touch' || !touches.has(e.pointerId)) return;
    if (touches.size !== 2) {
      touches.set(e.pointerId, local(e));
      return;
    }
    const [a0, b0] = [...touches.values()];
    touches.set(e.pointerId, local(e));
    const [a1, b1] = [...touches.values()];
    const spread = (a: { x: number; y: number }, b: { x: number; y: number }) =>
      Math.hypot(a.x - b.x, a.y - b.y) || 1;
    const c0 = { x: (a0.x + b0.x) / 2, y: (a0.y + b0.y) / 2 };
    const c1 = { x: (a1.x + b1.x) / 2, y: (a1.y + b1.y) / 2 };
    const v = o.getViewport();
    const zoomed = zoomAbout(
      { ...v, x: v.x + c1.x - c0.x, y: v.y + c1.y - c0.y },
      spread(a1, b1) / spread(a0, b0),
      c1.x,
      c1.y,
      o.minZoom,
      o.maxZoom,
    );
    o.onChange(zoomed);
  };
  const onTouchEnd = (e: PointerEvent) => {
    touches.delete(e.pointerId);
  };

  const setSpace = (held: boolean) => {
    if (spaceHeld === held) return;
    spaceHeld = held;
    o.onPanMode?.(held);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.code === 'Space' && !isTyping(e)) {
      e.preventDefault();
      setSpace(true);
    }
  };
  const onKeyUp = (e: KeyboardEvent) => {
    if (e.code === 'Space') setSpace(false);
  };
  const onBlur = () => setSpace(false);

  element.addEventListener('wheel', onWheel, { passive: false });
  // capture phase: a space-drag that starts on a node pans instead of dragging it
  element.addEventListener('pointerdown', onPointerDown, true);
  element.addEventListener('pointermove', onTouchMove);
  element.addEventListener('pointerup', onTouchEnd);
  element.addEventListener('pointercancel', onTouchEnd);
  window.addEventListener('keydown', onKeyDown);
  window.addEventListener('keyup', onKeyUp);
  window.addEventListener('blur', onBlur);

  return {
    update(next) {
      Object.assign(o, next);
    },
    isPanning: () => panning || spaceHeld,
    destroy() {
      stopFollow?.();
      element.removeEventListener('wheel', onWheel);
      element.removeEventListener('pointerdown', onPointerDown, true);
      element.removeEventListener('pointermove', onTouchMove);
      element.removeEventListener('pointerup', onTouchEnd);
      element.removeEventListener('pointercancel', onTouchEnd);
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
    },
  };
}
