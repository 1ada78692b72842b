/** For component tests: the canvas and inspector on a real store (the MNIST MLP template). */
import { render } from 'solid-js/web';
import { GraphStore } from '../../graph/index.ts';
import { catalog } from '../../nodes/index.ts';
import { Inspector } from '../inspector/Inspector.tsx';
import { createEditor, type Editor } from '../state/editor.ts';
import { templates } from '../templates.ts';
import { Canvas } from './Canvas.tsx';

export function mnistStore(): GraphStore {
  const store = new GraphStore({ catalog });
  const loaded = store.load(templates.mnist_mlp);
  if (!loaded.ok) throw new Error(loaded.errors[0].message);
  return store;
}

/** Mounts canvas + inspector in the document; returns the editor, the root element and the disposer. */
export function mountCanvas(store: GraphStore): { editor: Editor; root: HTMLElement; dispose: () => void } {
  const root = document.createElement('div');
  document.body.append(root);
  let editor!: Editor;
  const dispose = render(() => {
    editor = createEditor(store);
    return (
      <>
        <Canvas editor={editor} />
        <Inspector editor={editor} />
      </>
    );
  }, root);
  return { editor, root, dispose };
}

/** A primary-button pointer event at (x, y) that bubbles, as a mouse makes it. */
export const pointerEvent = (type: string, x: number, y: number, extra: PointerEventInit = {}) =>
  new PointerEvent(type, {
    clientX: x,
    clientY: y,
    pointerId: 1,
    button: 0,
    bubbles: true,
    cancelable: true,
    ...extra,
  });
