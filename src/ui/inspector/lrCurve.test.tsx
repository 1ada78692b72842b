// @vitest-environment happy-dom
/** The inspector plots a scheduler node's planned learning rate (the node's own schedule runtime). */
import { render } from 'solid-js/web';
import { afterEach, describe, expect, it } from 'vitest';
import { createNode, GraphStore, type NodeId } from '../../graph/index.ts';
import { catalog } from '../../nodes/index.ts';
import { createEditor, type Editor } from '../state/editor.ts';
import { Inspector } from './Inspector.tsx';
import { chainedConfigs, plannedLr } from './lrCurve.ts';

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = '';
});

function withSchedulers(): { editor: Editor; root: HTMLElement } {
  const store = new GraphStore({ catalog });
  const root = document.createElement('div');
  document.body.append(root);
  let editor!: Editor;
  dispose = render(() => {
    editor = createEditor(store);
    return <Inspector editor={editor} />;
  }, root);
  const node = (type: string, id: string, params = {}) =>
    createNode(catalog, type, { id: id as NodeId, params: params as never });
  editor.apply([
    { kind: 'addNode', node: node('StepLR', 'node:step', { step_size: 30, gamma: 0.1 }) },
    { kind: 'addNode', node: node('ExponentialLR', 'node:exp', { gamma: 0.5 }) },
    { kind: 'addNode', node: node('SequentialLR', 'node:seq') },
    {
      kind: 'connect',
      edge: { id: 'edge:a', from: { node: 'node:exp', port: 'lr' }, to: { node: 'node:seq', port: 'first' } },
    },
    {
      kind: 'connect',
      edge: {
        id: 'edge:b',
        from: { node: 'node:step', port: 'lr' },
        to: { node: 'node:seq', port: 'second' },
      },
    },
  ]);
  return { editor, root };
}

describe('the LR curve in the inspector', () => {
  it('plans StepLR from the plot start lr 0.1: ×0.1 every 30 steps', () => {
    const lrs = plannedLr(catalog.get('StepLR'), { step_size: 30, gamma: 0.1 }) as number[];
    expect(lrs).toHaveLength(100);
    expect(lrs[0]).toBeCloseTo(0.1, 12);
    expect(lrs[29]).toBeCloseTo(0.1, 12);
    expect(lrs[30]).toBeCloseTo(0.01, 12);
    expect(plannedLr(catalog.get('Linear'), {})).toBeNull();
  });

  it('stops OneCycleLR where it ends', () => {
    const lrs = plannedLr(catalog.get('OneCycleLR'), {
      ...createNode(catalog, 'OneCycleLR').params,
      total_steps: 40,
    });
    expect(lrs?.length).toBeLessThanOrEqual(41);
    expect(lrs?.length).toBeGreaterThan(2);
  });

  it('draws the curve of the selected scheduler, a SequentialLR through the schedulers wired into it', () => {
    const { editor, root } = withSchedulers();
    editor.setSelection(['node:step' as NodeId]);
    const curve = () => root.querySelector('.lr-curve svg');
    expect(curve()?.getAttribute('aria-label')).toBe('learning rate over 100 steps, peak 0.100');
    expect(root.querySelector('.lr-curve polyline')?.getAttribute('points')?.split(' ')).toHaveLength(100);

    expect(chainedConfigs(editor, 'node:seq' as NodeId)).toHaveLength(2);
    const seq = plannedLr(
      catalog.get('SequentialLR'),
      editor.node('node:seq' as NodeId)?.params ?? {},
      chainedConfigs(editor, 'node:seq' as NodeId),
    ) as number[];
    // ExponentialLR(0.5) for 10 steps, then StepLR from the lr it started with
    expect(seq[1]).toBeCloseTo(0.05, 12);
    expect(seq[10]).toBeCloseTo(0.1, 12);
    editor.setSelection(['node:seq' as NodeId]);
    expect(curve()?.getAttribute('aria-label')).toMatch(/^learning rate over 100 steps/);
  });
});
