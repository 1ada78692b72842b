// @vitest-environment happy-dom
/** The editor's sharing actions on a real store: links and files in, bad ones leave the document as it was. */
import { createRoot } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { GraphStore } from '../../graph/index.ts';
import { catalog } from '../../nodes/index.ts';
import { encodeLinkFragment, LINK_PREFIX } from '../../templates/share.ts';
import { createEditor, type Editor } from '../state/editor.ts';
import { templates } from '../templates.ts';
import { copyShareLink, openFile, openLinkInAddress, openShareLink } from './share-actions.ts';

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  history.replaceState(null, '', '/');
});

function editorOn(name: string): Editor {
  const store = new GraphStore({ catalog });
  const loaded = store.load(templates[name]);
  if (!loaded.ok) throw new Error(name);
  return createRoot((d) => {
    dispose = d;
    return createEditor(store);
  });
}

const lastMessage = (editor: Editor) => editor.messages()[editor.messages().length - 1];

describe('sharing from the editor', () => {
  it('opens the document a link carries, as a new document', () => {
    const editor = editorOn('mnist_mlp');
    const lenet = editorOn('lenet').doc();
    const fragment = encodeLinkFragment({ doc: lenet }) as string;
    expect(openShareLink(editor, `https://x.example/#${fragment}`)).toBe(true);
    expect(editor.doc()).toEqual(lenet);
    expect(lastMessage(editor).kind).toBe('info');
  });

  it('a bad link: a message, and the open document stays', () => {
    const editor = editorOn('mnist_mlp');
    const before = editor.doc();
    expect(openShareLink(editor, `https://x.example/#${LINK_PREFIX}AAAAbroken`)).toBe(false);
    expect(editor.doc()).toBe(before);
    expect(lastMessage(editor)).toMatchObject({ kind: 'error' });
    expect(lastMessage(editor).text).toMatch(/damaged/);
  });

  it('opens the link in the page address at start-up, then clears the address', () => {
    const editor = editorOn('mnist_mlp');
    const lenet = editorOn('lenet').doc();
    history.replaceState(null, '', `/app#${encodeLinkFragment({ doc: lenet })}`);
    expect(openLinkInAddress(editor)).toBe(true);
    expect(editor.doc().meta.title).toBe('LeNet-5');
    expect(location.hash).toBe('');
  });

  it('a dropped file that is not a graph: a message with the loader’s paths, the document stays', async () => {
    const editor = editorOn('mnist_mlp');
    const before = editor.doc();
    const broken = JSON.parse(templates.lenet);
    broken.nodes[1].params.out_channels = -3;
    const file = new File([JSON.stringify(broken)], 'lenet.shapeflow.json');
    expect(await openFile(editor, file)).toBe(false);
    expect(editor.doc()).toBe(before);
    expect(lastMessage(editor).details?.[0]).toMatch(/^nodes\[1\]\.params\.out_channels/);
  });

  it('copying a link of a graph too large for one says so and offers the file', async () => {
    const editor = editorOn('mnist_mlp');
    const big = structuredClone(editor.doc());
    let state = 7;
    // pseudo-random labels do not compress
    const noise = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return String.fromCharCode(48 + (state % 75));
    };
    for (let i = 0; i < 150; i++)
      big.nodes.push({
        ...structuredClone(big.nodes[3]),
        id: `node:x${i}`,
        label: Array.from({ length: 150 }, noise).join(''),
      });
    editor.store.load(JSON.stringify(big));
    const result = await copyShareLink(editor);
    expect(typeof result).not.toBe('string');
    expect(lastMessage(editor).text).toMatch(/too large for a link.*\.shapeflow\.json file/);
  });
});
