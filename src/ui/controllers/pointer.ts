/** Small pieces every pointer controller shares. */

export interface Controller<O> {
  /** swap some options (new callbacks, limits) without re-attaching listeners */
  update(options: Partial<O>): void;
  /** remove every listener */
  destroy(): void;
}

/** Keep receiving a pointer's moves outside the element; happy-dom and old browsers may refuse. */
export function capture(element: Element, pointerId: number): void {
  try {
    element.setPointerCapture?.(pointerId);
  } catch {
    // capture is a nicety: window listeners below still see the moves
  }
}

/** Listen on window for the rest of one pointer's gesture; returns the remover. */
export function followPointer(
  pointerId: number,
  move: (e: PointerEvent) => void,
  up: (e: PointerEvent, cancelled: boolean) => void,
): () => void {
  const onMove = (e: PointerEvent) => {
    if (e.pointerId === pointerId) move(e);
  };
  const onUp = (e: PointerEvent) => {
    if (e.pointerId !== pointerId) return;
    stop();
    up(e, e.type === 'pointercancel');
  };
  const stop = () => {
    window.removeEventListener('pointermove', onMove);
    window.removeEventListener('pointerup', onUp);
    window.removeEventListener('pointercancel', onUp);
  };
  window.addEventListener('pointermove', onMove);
  window.addEventListener('pointerup', onUp);
  window.addEventListener('pointercancel', onUp);
  return stop;
}

/** Whether a key event is typing into a field (shortcuts must leave it alone). */
export function isTyping(e: Event): boolean {
  const t = e.target as HTMLElement | null;
  if (!t || typeof t.closest !== 'function') return false;
  return !!t.closest('input, textarea, select, [contenteditable="true"]');
}
