/**
 * A pointer drag, framework-free: `start` decides from the press whether (and what) to drag,
 * `move` gets the offset from the press in screen px, `end` whether it moved past the
 * threshold (a press that never moved is a click). Used for nodes and for box selection.
 */
import { type Controller, capture, followPointer } from './pointer.ts';

export interface DragMove {
  /** offset from the press, in screen px */
  dx: number;
  dy: number;
  event: PointerEvent;
}

export interface DragOptions<T> {
  /** the dragged thing's state, or null to leave this press alone */
  start(event: PointerEvent): T | null;
  move(state: T, move: DragMove): void;
  end(state: T, moved: boolean, event: PointerEvent): void;
  /** px the pointer must travel before a press becomes a drag */
  threshold: number;
}

export function createDrag<T>(
  element: HTMLElement,
  init: Omit<DragOptions<T>, 'threshold'> & { threshold?: number },
): Controller<DragOptions<T>> {
  const o: DragOptions<T> = { threshold: 3, ...init };
  let stopFollow: (() => void) | null = null;

  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0 || stopFollow || e.defaultPrevented) return;
    const state = o.start(e);
    if (state === null) return;
    e.stopPropagation();
    capture(element, e.pointerId);
    const x0 = e.clientX;
    const y0 = e.clientY;
    let moved = false;
    stopFollow = followPointer(
      e.pointerId,
      (m) => {
        const dx = m.clientX - x0;
        const dy = m.clientY - y0;
        if (!moved && Math.hypot(dx, dy) < o.threshold) return;
        moved = true;
        o.move(state, { dx, dy, event: m });
      },
      (up) => {
        stopFollow = null;
        o.end(state, moved, up);
      },
    );
  };

  element.addEventListener('pointerdown', onPointerDown);
  return {
    update(next) {
      Object.assign(o, next);
    },
    destroy() {
      stopFollow?.();
      stopFollow = null;
      element.removeEventListener('pointerdown', onPointerDown);
    },
  };
}
