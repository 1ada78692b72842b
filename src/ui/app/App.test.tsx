// @vitest-environment happy-dom
/** The editor's components on a real store: labels, errors and fixes, text safety, error boundaries. */
import { render } from 'solid-js/web';
import { afterEach, describe, expect, it } from 'vitest';
import { GraphStore } from '../../graph/index.ts';
import {
  type AnyNodeDef,
  catalog,
  createCatalog,
  defineNode,
  nodeDefs,
  tensorPort,
} from '../../nodes/index.ts';
import { createEditor, type Editor } from '../state/editor.ts';
import { templates } from '../templates.ts';
import { App } from './App.tsx';

let dispose: (() => void) | undefined;

afterEach(() => {
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = '';
});

function mount(store: GraphStore): { editor: Editor; root: HTMLElement } {
  const root = document.createElement('div');
  document.body.append(root);
  let editor!: Editor;
  dispose = render(() => {
    editor = createEditor(store);
    return <App editor={editor} theme={() => 'dark'} setTheme={() => {}} />;
  }, root);
  return { editor, root };
}

function mnist(): GraphStore {
  const store = new GraphStore({ catalog });
  const loaded = store.load(templates.mnist_mlp);
  if (!loaded.ok) throw new Error(loaded.errors[0].message);
  return store;
}

const labels = (root: HTMLElement) => [...root.querySelectorAll('.edge-label')].map((l) => l.textContent);

describe('the editor components', () => {
  it('label every edge of the template with its shape, symbols marked apart from numbers', () => {
    const { root } = mount(mnist());
    expect(root.querySelectorAll('.node')).toHaveLength(9);
    expect(labels(root)).toEqual(
      expect.arrayContaining(['N×1×28×28', 'N×784', 'N×128', 'N×64', 'N×10', 'N']),
    );
    const first = root.querySelector('[data-edge-label="edge:image_flatten"]') as HTMLElement;
    expect([...first.querySelectorAll('.sym')].map((s) => s.textContent)).toEqual(['N']);
    expect([...first.querySelectorAll('.num')].map((s) => s.textContent)).toEqual(['1', '28', '28']);
  });

  it('mark the offending edge and node, grey what is downstream, and fix it in one undoable step', () => {
    const store = mnist();
    const { editor, root } = mount(store);
    editor.apply({ kind: 'setParam', id: 'node:fc2', name: 'in_features', value: 100 });
    const bad = root.querySelector('[data-edge-label="edge:relu1_fc2"]') as HTMLElement;
    expect(bad.className).toContain('edge-error');
    expect(root.querySelector('[data-node-id="node:fc2"]')?.className).toContain('status-error');
    expect(root.querySelector('[data-node-id="node:loss"]')?.className).toContain('status-blocked');
    expect(root.querySelector('[data-testid="graph-status"]')?.textContent).toBe('1 error');

    bad.click();
    const popover = root.querySelector('.popover') as HTMLElement;
    expect(popover.querySelector('[data-testid="diagnostic-message"]')?.textContent).toBe(
      'mat1 and mat2 shapes cannot be multiplied (Nx128 and 100x64)',
    );
    const fix = [...popover.querySelectorAll('button.fix')].find(
      (b) => b.textContent === 'Set in_features to 128',
    ) as HTMLElement;
    fix.click();
    expect(store.doc.nodes.find((n) => n.id === 'node:fc2')?.params.in_features).toBe(128);
    expect(root.querySelector('.edge-error')).toBeNull();
    store.undo();
    expect(root.querySelector('[data-edge-label="edge:relu1_fc2"]')?.className).toContain('edge-error');
  });

  it('render document text as text, never as HTML', () => {
    const store = mnist();
    const { editor, root } = mount(store);
    const hostile = '<img src=x onerror="globalThis.pwned=1">';
    editor.apply([
      { kind: 'rename', id: 'node:fc1', label: hostile },
      { kind: 'setMeta', meta: { title: hostile } },
    ]);
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelector('[data-node-id="node:fc1"] .node-title')?.textContent).toBe(hostile);
    expect((root.querySelector('.doc-title') as HTMLInputElement).value).toBe(hostile);
  });

  it('show params as typed inputs and reject an invalid value with the spec’s message', () => {
    const store = mnist();
    const { editor, root } = mount(store);
    editor.setSelection(['node:fc1']);
    const field = root.querySelector('[id="param-node:fc1-out_features"]') as HTMLInputElement;
    expect(field.value).toBe('128');
    field.value = '-2';
    field.dispatchEvent(new Event('input', { bubbles: true }));
    field.dispatchEvent(new Event('change', { bubbles: true }));
    expect(root.querySelector('.field-error')?.textContent).toBe('expected a positive integer, got -2');
    expect(store.doc.nodes.find((n) => n.id === 'node:fc1')?.params.out_features).toBe(128);
    const bias = root.querySelector('[id="param-node:fc1-bias"]') as HTMLInputElement;
    expect(bias.type).toBe('checkbox');
    expect(root.querySelector('[data-testid="param-count"]')?.textContent).toBe('100,480');
  });

  it('keep the document when a panel throws: the panel shows a message, the canvas stays', () => {
    const Fragile = defineNode({
      type: 'Fragile',
      group: 'test',
      aliases: [],
      get doc(): string {
        throw new Error('doc exploded');
      },
      params: {},
      inputs: [tensorPort('input')],
      outputs: [tensorPort('output')],
      infer: ([x]) => (x ? [x] : []),
      lower: (_b, [x]) => [x as never],
      paramCount: () => 0,
    });
    const store = new GraphStore({ catalog: createCatalog([...nodeDefs, Fragile as AnyNodeDef]) });
    store.load(templates.mnist_mlp);
    store.apply({
      kind: 'addNode',
      node: { id: 'node:fragile', type: 'Fragile', params: {}, position: { x: 0, y: 600 } },
    });
    const before = store.doc;
    const { editor, root } = mount(store);
    editor.setSelection(['node:fragile']);
    const fallbacks = [...root.querySelectorAll('.panel-error')].map((p) => p.textContent);
    expect(fallbacks).toEqual([
      expect.stringContaining('The palette hit a problem'),
      expect.stringContaining('The inspector hit a problem'),
    ]);
    expect(fallbacks[1]).toContain('doc exploded');
    expect(store.doc).toBe(before);
    expect(root.querySelectorAll('.node')).toHaveLength(10);
  });
});
