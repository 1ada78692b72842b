// @vitest-environment happy-dom
/** Live mode on a real store: previews on edges, toggled per edge and globally, the inspector's full view, updates after edits. */
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphStore, NodeId } from '../../graph/index.ts';
import type { Editor } from '../state/editor.ts';
import { liveViewOf } from './live.ts';
import { HISTOGRAM_BINS, previewOf, sliceLabel, statText } from './preview.ts';
import { scopeOf } from './scope.ts';
import { mnistStore, mountCanvas } from './testing.tsx';

let dispose: (() => void) | undefined;
afterEach(() => {
  if (editor) liveViewOf(editor).setEnabled(false);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = '';
});

let editor: Editor | undefined;
function mount(): { editor: Editor; store: GraphStore; root: HTMLElement } {
  const store = mnistStore();
  const mounted = mountCanvas(store);
  editor = mounted.editor;
  dispose = mounted.dispose;
  return { ...mounted, store };
}

const previews = (root: HTMLElement) => [...root.querySelectorAll('[data-edge-preview] .tensor-preview')];
const previewOfEdge = (root: HTMLElement, edge: string) =>
  root.querySelector(`[data-edge-preview="${edge}"] .tensor-preview`) as HTMLElement | null;
const button = (root: HTMLElement, name: RegExp) =>
  [...root.querySelectorAll('button')].find((b) =>
    name.test(b.getAttribute('aria-label') ?? b.textContent ?? ''),
  );

describe('preview numbers', () => {
  it('give mean, population std, min, max and a histogram over all values, non-finite left out', () => {
    const p = previewOf([1, 2, 3, 4, Number.NaN], [5]);
    expect(p.mean).toBe(2.5);
    expect(p.std).toBeCloseTo(Math.sqrt(1.25), 12);
    expect([p.min, p.max, p.nonFinite]).toEqual([1, 4, 1]);
    expect(p.histogram).toHaveLength(HISTOGRAM_BINS);
    expect(p.histogram.reduce((a, b) => a + b, 0)).toBe(4);
    expect(p.histogram[0]).toBe(1);
    expect(p.histogram[HISTOGRAM_BINS - 1]).toBe(1);
  });

  it('slice the last two dims at index 0 of the leading ones, sampling sides past 64 down', () => {
    const data = Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const p = previewOf(data, [2, 3, 4]);
    expect(p.slice.rows).toBe(3);
    expect(p.slice.cols).toBe(4);
    expect([...p.slice.values]).toEqual(data.slice(0, 12));
    expect(sliceLabel([2, 3, 4])).toBe('[0, :, :]');
    const wide = previewOf(new Float32Array(4 * 784), [4, 784]);
    expect(wide.slice.rows).toBe(4);
    expect(wide.slice.cols).toBeLessThanOrEqual(64);
  });

  it('write stats with three significant digits', () => {
    expect(statText(0.123456)).toBe('0.123');
    expect(statText(12345)).toBe('1.2e+4');
    expect(statText(0)).toBe('0');
  });
});

describe('live mode in the editor', () => {
  it('shows a preview on every tensor edge once switched on, with the stats of the real tensor', () => {
    const { editor, root } = mount();
    expect(previews(root)).toHaveLength(0);
    button(root, /^\s*Live$/)?.click();
    expect(liveViewOf(editor).enabled()).toBe(true);
    // 8 tensor edges in the MNIST MLP template
    expect(previews(root)).toHaveLength(8);
    expect(previewOfEdge(root, 'edge:image_flatten')?.getAttribute('data-shape')).toBe('64,1,28,28');
    const relu = previewOfEdge(root, 'edge:relu1_fc2') as HTMLElement;
    expect(relu.getAttribute('data-shape')).toBe('64,128');
    // a ReLU's output: nothing below zero, so the histogram's range starts at 0
    expect(relu.querySelector('.preview-histogram')?.getAttribute('aria-label')).toMatch(
      /^histogram from 0 to /,
    );
    expect(relu.querySelector('.preview-stats')?.textContent).toMatch(/μ [\d.e+-]+σ [\d.e+-]+/);
  });

  it('shows the inner edges’ tensors inside an opened composite, and the inner node’s output in the inspector', () => {
    const { editor, store, root } = mount();
    // a batch of 4 keeps the values grid small (happy-dom styles every cell)
    editor.apply({ kind: 'setMeta', meta: { symbols: { N: 4 } } });
    const tx = store.apply({ kind: 'group', ids: ['node:fc2', 'node:relu2'], compositeId: 'node:block' });
    if (tx instanceof Error) throw tx;
    button(root, /^\s*Live$/)?.click();
    scopeOf(editor).open('node:block' as NodeId);
    // fc2 → relu2 inside: one edge, 4 examples × 64 units
    expect(previews(root)).toHaveLength(1);
    expect(previews(root)[0].getAttribute('data-shape')).toBe('4,64');
    scopeOf(editor)
      .view()
      .setSelection(['node:relu2' as NodeId]);
    const grid = root.querySelector('[data-testid="live-grid-output"]');
    expect(grid?.getAttribute('data-shape')).toBe('4,64');
  });

  it('toggles previews per edge and for all edges', () => {
    const { root } = mount();
    button(root, /^\s*Live$/)?.click();
    button(root, /Hide the preview of edge N×784/)?.click();
    expect(previewOfEdge(root, 'edge:flatten_fc1')).toBeNull();
    expect(previews(root)).toHaveLength(7);
    button(root, /^All previews$/)?.click();
    expect(previews(root)).toHaveLength(0);
    button(root, /Show the preview of edge N×784/)?.click();
    expect(previews(root)).toHaveLength(1);
    expect(previewOfEdge(root, 'edge:flatten_fc1')).not.toBeNull();
  });

  it('shows the selected node’s full output in the inspector and follows edits', () => {
    const { editor, root } = mount();
    // a batch of 4 keeps the values grid small (happy-dom styles every cell)
    editor.apply({ kind: 'setMeta', meta: { symbols: { N: 4 } } });
    liveViewOf(editor).setEnabled(true);
    editor.setSelection(['node:fc1']);
    const grid = () => root.querySelector('[data-testid="live-grid-output"]') as HTMLElement | null;
    expect(grid()?.getAttribute('data-shape')).toBe('4,128');
    expect(grid()?.querySelectorAll('.cell').length).toBeGreaterThan(0);
    expect(editor.apply({ kind: 'setParam', id: 'node:fc1', name: 'out_features', value: 32 })).toBe(true);
    expect(grid()?.getAttribute('data-shape')).toBe('4,32');
    expect(previewOfEdge(root, 'edge:fc1_relu1')?.getAttribute('data-shape')).toBe('4,32');
    // fc2 now expects 128 but gets 32: no value downstream, and the edge says so
    expect(previewOfEdge(root, 'edge:fc2_relu2')).toBeNull();
    expect(root.querySelector('[data-edge-preview="edge:fc2_relu2"] .preview-unavailable')).not.toBeNull();
    editor.undo();
    expect(grid()?.getAttribute('data-shape')).toBe('4,128');
    expect(previewOfEdge(root, 'edge:fc2_relu2')?.getAttribute('data-shape')).toBe('4,64');
  });
});
