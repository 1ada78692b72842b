// @vitest-environment happy-dom
/** Dragging a node: it and its edges move, and the edges it carries are drawn in a layer of their own meanwhile. */
import { afterEach, describe, expect, it } from 'vitest';
import { mnistStore, mountCanvas, pointerEvent } from './testing.tsx';

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = '';
});

const pointer = pointerEvent;

const edgesIn = (root: HTMLElement, selector: string) =>
  [...root.querySelectorAll(`${selector} [data-edge-id]`)].map((g) => g.getAttribute('data-edge-id')).sort();

describe('dragging a node', () => {
  it('draws the edges it carries in their own layer while it moves, then puts them back', async () => {
    const store = mnistStore();
    const mounted = mountCanvas(store);
    dispose = mounted.dispose;
    const { editor, root } = mounted;
    const before = store.doc.nodes.find((n) => n.id === 'node:fc2')!.position;
    expect(root.querySelector('svg.edges.moving')).toBeNull();
    const header = root.querySelector('[data-node-id="node:fc2"] .node-header') as HTMLElement;
    header.dispatchEvent(pointer('pointerdown', 100, 100));
    window.dispatchEvent(pointer('pointermove', 140, 120));
    await new Promise((r) => requestAnimationFrame(r));
    const carried = ['edge:fc2_relu2', 'edge:relu1_fc2'];
    expect(edgesIn(root, 'svg.edges.moving')).toEqual(carried);
    expect(edgesIn(root, 'svg.edges:not(.moving)')).not.toContain(carried[0]);
    expect(edgesIn(root, 'svg.edges:not(.moving)')).toHaveLength(8 - carried.length);
    window.dispatchEvent(pointer('pointerup', 140, 120));
    await new Promise((r) => requestAnimationFrame(r));
    expect(root.querySelector('svg.edges.moving')).toBeNull();
    expect(edgesIn(root, 'svg.edges')).toHaveLength(8);
    const after = editor.node('node:fc2')!.position;
    expect(after.x - before.x).toBeGreaterThan(0);
    editor.undo();
    expect(editor.node('node:fc2')!.position).toEqual(before);
  });
});
