// @vitest-environment happy-dom
/** Opening a composite: its inner graph on the canvas, edits inside as undoable document edits, the breadcrumb back out. */
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphStore, NodeId } from '../../graph/index.ts';
import { groupSelection } from '../state/actions.ts';
import type { Editor } from '../state/editor.ts';
import { editsInside, scopeOf } from './scope.ts';
import { mnistStore, mountCanvas } from './testing.tsx';

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = '';
});

const mnist = mnistStore;

function mount(store: GraphStore): { editor: Editor; root: HTMLElement } {
  const mounted = mountCanvas(store);
  dispose = mounted.dispose;
  return mounted;
}

/** fc2 and relu2 of the MNIST MLP as one composite, with id node:block. */
function grouped(store: GraphStore): void {
  const tx = store.apply({ kind: 'group', ids: ['node:fc2', 'node:relu2'], compositeId: 'node:block' });
  if (tx instanceof Error) throw tx;
}

const inner = (store: GraphStore) => store.doc.nodes.find((n) => n.id === 'node:block')?.subgraph;

describe('edits inside a composite', () => {
  it('change the inner graph as one undoable transaction, and the change flows on outside', () => {
    const store = mnist();
    grouped(store);
    const tx = store.apply(
      editsInside(['node:block'], [{ kind: 'setParam', id: 'node:fc2', name: 'out_features', value: 32 }]),
    );
    expect(tx).not.toBeInstanceOf(Error);
    expect(inner(store)?.nodes.find((n) => n.id === 'node:fc2')?.params.out_features).toBe(32);
    expect(Object.values(store.typeOf('node:block')?.outputs ?? {})[0]?.dims).toEqual(['N', 32]);
    expect(store.typeOf('node:fc3')?.status).toBe('error');
    store.undo();
    expect(inner(store)?.nodes.find((n) => n.id === 'node:fc2')?.params.out_features).toBe(64);
    expect(store.typeOf('node:fc3')?.status).toBe('ok');
  });

  it('drop an exposed port, and the outer edge through it, when its inner node is removed', () => {
    const store = mnist();
    grouped(store);
    expect(store.doc.edges.some((e) => e.to.node === 'node:block')).toBe(true);
    store.apply(editsInside(['node:block'], [{ kind: 'removeNode', id: 'node:fc2' }]));
    expect(inner(store)?.inputs).toEqual([]);
    expect(store.doc.edges.some((e) => e.to.node === 'node:block')).toBe(false);
    store.undo();
    expect(inner(store)?.inputs).toHaveLength(1);
    expect(store.doc.edges.some((e) => e.to.node === 'node:block')).toBe(true);
  });

  it('refuse a bad inner edit with a message naming the composite, the document unchanged', () => {
    const store = mnist();
    grouped(store);
    const before = store.doc;
    const tx = store.apply(editsInside(['node:block'], [{ kind: 'removeNode', id: 'node:nope' }]));
    expect(tx).toBeInstanceOf(Error);
    expect((tx as Error).message).toBe('inside node:block: no node node:nope');
    expect(store.doc).toBe(before);
  });
});

describe('opening a composite in the editor', () => {
  it('groups the selection, opens it, shows its inner graph with shapes, edits inside, undoes and backs out', () => {
    const store = mnist();
    const { editor, root } = mount(store);
    editor.setSelection(['node:fc2', 'node:relu2']);
    groupSelection(editor);
    const [group] = [...editor.selection()];
    expect(editor.node(group)?.type).toBe('Composite');
    const openButton = root.querySelector(`[data-node-id="${group}"] .node-open`) as HTMLButtonElement;
    openButton.click();

    const scope = scopeOf(editor);
    expect(scope.path()).toEqual([group]);
    const nodes = () => [...root.querySelectorAll('.node')].map((n) => n.getAttribute('data-node-id'));
    expect(nodes().sort()).toEqual(['node:fc2', 'node:relu2']);
    const crumb = root.querySelector('nav.breadcrumb') as HTMLElement;
    expect(crumb.textContent).toBe('MNIST MLP›Group');
    // the inner edge is labelled with the shape the composite's input gets outside
    expect([...root.querySelectorAll('.edge-label')].map((l) => l.textContent)).toEqual(['N×64']);

    // an inner edit through the inspector's scoped editor: one undo step of the document
    const view = scope.view();
    view.setSelection(['node:fc2' as NodeId]);
    expect(root.querySelector('.inspector h2')?.textContent).toBe('fc2');
    expect(view.apply({ kind: 'setParam', id: 'node:fc2', name: 'out_features', value: 48 })).toBe(true);
    expect([...root.querySelectorAll('.edge-label')].map((l) => l.textContent)).toEqual(['N×48']);
    expect(store.typeOf('node:fc3')?.status).toBe('error');
    // the inner selection survives the transaction (the editor prunes its own to top-level ids)
    expect([...view.selection()]).toEqual(['node:fc2']);
    expect(root.querySelector('.inspector h2')?.textContent).toBe('fc2');
    editor.undo();
    expect([...root.querySelectorAll('.edge-label')].map((l) => l.textContent)).toEqual(['N×64']);
    expect(scope.path()).toEqual([group]);

    (crumb.querySelector('button') as HTMLButtonElement).click();
    expect(scope.path()).toEqual([]);
    expect(root.querySelector('nav.breadcrumb')).toBeNull();
    expect(nodes()).toContain(group);
    expect([...editor.selection()]).toEqual([group]);
  });

  it('backs out by itself when an undo removes the open composite', () => {
    const store = mnist();
    const { editor, root } = mount(store);
    editor.setSelection(['node:fc2', 'node:relu2']);
    groupSelection(editor);
    const [group] = [...editor.selection()];
    scopeOf(editor).open(group);
    expect(root.querySelectorAll('.node')).toHaveLength(2);
    editor.undo();
    expect(scopeOf(editor).path()).toEqual([]);
    expect(root.querySelectorAll('.node')).toHaveLength(9);
  });
});
