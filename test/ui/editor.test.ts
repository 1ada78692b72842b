// @vitest-environment happy-dom
/** Editor state and actions over a real store: wiring rules, clipboard, palette search, history restore, layout. */
import { createRoot } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { GraphStore, type NodeId } from '../../src/graph/index.ts';
import { catalog, createCatalog, defineNode, tensorPort } from '../../src/nodes/index.ts';
import { computeLayout } from '../../src/ui/layout/elk.ts';
import { layoutRequest, needsLayout } from '../../src/ui/layout/tidy.ts';
import { searchCatalog } from '../../src/ui/palette/search.ts';
import { exportHistory, importHistory } from '../../src/ui/persist/history.ts';
import {
  addNode,
  connectPorts,
  copySelection,
  deleteSelection,
  groupSelection,
  pasteText,
} from '../../src/ui/state/actions.ts';
import { acceptingPorts, canConnect } from '../../src/ui/state/compat.ts';
import { createEditor, type Editor } from '../../src/ui/state/editor.ts';
import { templates } from '../../src/ui/templates.ts';

function withEditor(run: (editor: Editor, store: GraphStore) => void): void {
  const store = new GraphStore({ catalog });
  const loaded = store.load(templates.mnist_mlp);
  if (!loaded.ok) throw new Error(loaded.errors[0].message);
  createRoot((dispose) => {
    run(createEditor(store), store);
    dispose();
  });
}

const out = (node: string, port = 'output') => ({ node, port, side: 'out' as const });
const inp = (node: string, port = 'input') => ({ node, port, side: 'in' as const });

describe('wiring rules', () => {
  it('accept an output into an input downstream-free of it, and refuse cycles and same-side pairs', () => {
    withEditor((editor) => {
      expect(canConnect(editor, out('node:fc3'), inp('node:fc2'))).toBe(false); // fc2 → … → fc3: a cycle
      expect(canConnect(editor, out('node:image'), inp('node:fc3'))).toBe(true);
      expect(canConnect(editor, out('node:image'), out('node:fc3'))).toBe(false);
      expect(canConnect(editor, out('node:fc1'), inp('node:fc1'))).toBe(false);
    });
  });

  it('dim the int32 target while a float wire needs a float input: only ports that accept are offered', () => {
    withEditor((editor) => {
      const accepting = acceptingPorts(editor, out('node:labels'));
      expect(accepting.has('node:loss|in|target')).toBe(true);
      expect(accepting.has('node:labels|in|input')).toBe(false);
      expect([...accepting].every((k) => k.includes('|in|'))).toBe(true);
    });
  });

  it('connect through one undoable edit that replaces the edge feeding the input', () => {
    withEditor((editor, store) => {
      expect(connectPorts(editor, out('node:image'), inp('node:fc1'))).toBe(true);
      expect(store.doc.edges.filter((e) => e.to.node === 'node:fc1')).toHaveLength(1);
      expect(store.typeOf('node:fc1')?.status).toBe('error');
      store.undo();
      expect(store.typeOf('node:fc1')?.status).toBe('ok');
    });
  });
});

describe('actions', () => {
  it('add a node with its defaults and select it; delete removes it with its edges', () => {
    withEditor((editor, store) => {
      const id = addNode(editor, 'Linear', { x: 10, y: 20 }) as NodeId;
      expect(store.doc.nodes.find((n) => n.id === id)?.params).toMatchObject({
        in_features: 784,
        out_features: 10,
        bias: true,
      });
      expect([...editor.selection()]).toEqual([id]);
      editor.setSelection(['node:fc1']);
      deleteSelection(editor);
      expect(store.doc.edges.some((e) => e.from.node === 'node:fc1' || e.to.node === 'node:fc1')).toBe(false);
    });
  });

  it('copy and paste the selection with fresh ids and the edges among it', () => {
    withEditor((editor, store) => {
      editor.setSelection(['node:fc1', 'node:relu1']);
      const text = copySelection(editor) as string;
      expect(JSON.parse(text).edges).toHaveLength(1);
      const nodes = store.doc.nodes.length;
      expect(pasteText(editor, text)).toBe(true);
      expect(store.doc.nodes).toHaveLength(nodes + 2);
      expect([...editor.selection()].every((id) => id !== 'node:fc1' && id !== 'node:relu1')).toBe(true);
    });
  });

  it('refuse clipboard text that is not valid nodes, with the loader’s message, leaving the document', () => {
    withEditor((editor, store) => {
      const before = store.doc;
      expect(pasteText(editor, 'not json')).toBe(false);
      const hostile = JSON.stringify({
        format: 'shapeflow.clipboard',
        nodes: [{ id: 'node:x', type: 'Eval', params: {} }],
        edges: [],
      });
      expect(pasteText(editor, hostile)).toBe(false);
      expect(store.doc).toBe(before);
      expect(
        editor
          .messages()
          .map((m) => m.details?.join(' ') ?? m.text)
          .join(' '),
      ).toContain("unknown node type 'Eval'");
    });
  });

  it('group the selection into one composite node', () => {
    withEditor((editor, store) => {
      editor.setSelection(['node:fc1', 'node:relu1']);
      groupSelection(editor);
      const [id] = editor.selection();
      expect(store.doc.nodes.find((n) => n.id === id)?.subgraph?.nodes).toHaveLength(2);
      expect(store.typeOf(id)?.outputs).toBeDefined();
    });
  });
});

describe('palette search', () => {
  it('finds node types by alias: fc → Linear, ce → CrossEntropyLoss', () => {
    expect(searchCatalog(catalog, 'fc')[0].type).toBe('Linear');
    expect(searchCatalog(catalog, 'ce')[0].type).toBe('CrossEntropyLoss');
    expect(searchCatalog(catalog, 'dense')[0].type).toBe('Linear');
  });

  it('ranks an exact alias above a longer name that merely contains the letters', () => {
    const stub = (type: string, aliases: string[]) =>
      defineNode({
        type,
        group: 'test',
        aliases,
        doc: '',
        params: {},
        inputs: [tensorPort('input')],
        outputs: [tensorPort('output')],
        infer: ([x]) => (x ? [x] : []),
        lower: (_b, [x]) => [x as never],
        paramCount: () => 0,
      });
    const small = createCatalog([stub('Subnet', ['abnormal']), stub('BatchNorm2d', ['bn', 'batchnorm'])]);
    expect(searchCatalog(small, 'bn').map((d) => d.type)).toEqual(['BatchNorm2d', 'Subnet']);
  });
});

describe('undo history across reloads', () => {
  it('restores saved steps that fit the document and drops steps that do not', () => {
    const store = new GraphStore({ catalog });
    store.load(templates.mnist_mlp);
    store.apply({ kind: 'setParam', id: 'node:fc1', name: 'out_features', value: 100 });
    store.apply({ kind: 'removeNode', id: 'node:relu2' });
    const saved = structuredClone(exportHistory(store));

    const reopened = new GraphStore({ catalog });
    reopened.load(JSON.stringify(store.doc));
    expect(importHistory(reopened, saved)).toBe(true);
    reopened.undo();
    reopened.undo();
    expect(reopened.doc.nodes.find((n) => n.id === 'node:fc1')?.params.out_features).toBe(128);
    expect(reopened.doc.nodes.some((n) => n.id === 'node:relu2')).toBe(true);

    const other = new GraphStore({ catalog });
    other.load(templates.mnist_mlp);
    expect(importHistory(other, saved)).toBe(false);
    expect(importHistory(other, { undo: 'nope' })).toBe(false);
  });
});

describe('auto layout', () => {
  it('places the template left to right along its edges', async () => {
    let request!: ReturnType<typeof layoutRequest>;
    withEditor((editor) => {
      request = layoutRequest(editor);
    });
    const at = await computeLayout(request);
    expect(Object.keys(at)).toHaveLength(9);
    for (const e of request.edges) expect(at[e.to.node].x).toBeGreaterThan(at[e.from.node].x);
  });

  it('tidies documents whose nodes all sit on one spot', () => {
    const store = new GraphStore({ catalog });
    const doc = JSON.parse(templates.mnist_mlp);
    expect(needsLayout(doc)).toBe(false);
    for (const n of doc.nodes) delete n.position;
    store.load(doc);
    expect(needsLayout(store.doc)).toBe(true);
  });
});
