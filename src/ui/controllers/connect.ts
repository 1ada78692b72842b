/**
 * Connecting ports by dragging, framework-free. A press on a port element
 * (`data-port-node`, `data-port-name`, `data-port-side`) starts a wire; while it moves, the
 * port under the pointer is offered to `canConnect`; releasing on an accepted port connects.
 * From an input the wire runs backwards (to an output), so both ends can start a connection.
 */
import { type Controller, capture, followPointer } from './pointer.ts';

export interface PortHandle {
  node: string;
  port: string;
  side: 'in' | 'out';
}

export interface ConnectOptions {
  /** a wire starts at this port; return false to refuse */
  begin(from: PortHandle, event: PointerEvent): boolean;
  /** the wire's loose end moved (client px) over `target` (null: over nothing connectable) */
  preview(from: PortHandle, client: { x: number; y: number }, target: PortHandle | null): void;
  canConnect(from: PortHandle, to: PortHandle): boolean;
  /** released over an accepted port */
  connect(from: PortHandle, to: PortHandle): void;
  /** released anywhere else, or cancelled */
  cancel(from: PortHandle): void;
  /** the port element under a client point (defaults to elementFromPoint) */
  hitTest(x: number, y: number): Element | null;
}

export function portHandleOf(el: Element | null): PortHandle | null {
  const port = el?.closest?.('[data-port-name]');
  if (!port) return null;
  const node = port.getAttribute('data-port-node');
  const name = port.getAttribute('data-port-name');
  const side = port.getAttribute('data-port-side');
  if (!node || !name || (side !== 'in' && side !== 'out')) return null;
  return { node, port: name, side };
}

export function createConnect(
  element: HTMLElement,
  init: Omit<ConnectOptions, 'hitTest'> & Partial<Pick<ConnectOptions, 'hitTest'>>,
): Controller<ConnectOptions> {
  const o: ConnectOptions = { hitTest: (x, y) => document.elementFromPoint(x, y), ...init };
  let stopFollow: (() => void) | null = null;

  const targetAt = (from: PortHandle, x: number, y: number): PortHandle | null => {
    const to = portHandleOf(o.hitTest(x, y));
    return to && o.canConnect(from, to) ? to : null;
  };

  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0 || stopFollow) return;
    const from = portHandleOf(e.target as Element);
    if (!from || !o.begin(from, e)) return;
    e.preventDefault();
    e.stopPropagation();
    capture(element, e.pointerId);
    o.preview(from, { x: e.clientX, y: e.clientY }, null);
    stopFollow = followPointer(
      e.pointerId,
      (m) => o.preview(from, { x: m.clientX, y: m.clientY }, targetAt(from, m.clientX, m.clientY)),
      (up, cancelled) => {
        stopFollow = null;
        const to = cancelled ? null : targetAt(from, up.clientX, up.clientY);
        if (to) o.connect(from, to);
        else o.cancel(from);
      },
    );
  };

  // capture phase: a press on a port must not also start a node drag
  element.addEventListener('pointerdown', onPointerDown, true);
  return {
    update(next) {
      Object.assign(o, next);
    },
    destroy() {
      stopFollow?.();
      stopFollow = null;
      element.removeEventListener('pointerdown', onPointerDown, true);
    },
  };
}
