import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Diagnostic, type Edit, EditError, GraphStore, inferShapes } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { baseDocument, editFromSeed, editSeed } from './random-edits.ts';

describe('random edit sequences', () => {
  it('undo-all after 10,000 random sequences gives back the starting document', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(editSeed, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        (transactions) => {
          const store = new GraphStore({ doc: baseDocument() });
          const start = structuredClone(store.doc);
          let applied = 0;
          for (const seeds of transactions) {
            const edits = seeds.map((s) => editFromSeed(store.doc, s)).filter((e) => e !== null);
            if (edits.length === 0) continue;
            const tx = store.apply(edits);
            if (!(tx instanceof EditError) && tx.ops.length > 0) applied++;
          }
          for (let i = 0; i < applied; i++) expect(store.undo()).not.toBeNull();
          expect(store.undo()).toBeNull();
          expect(store.doc).toEqual(start);
        },
      ),
      { numRuns: 10_000 },
    );
  }, 600_000);

  it('undo then redo of each step returns the same documents', () => {
    fc.assert(
      fc.property(fc.array(editSeed, { minLength: 1, maxLength: 30 }), (seeds) => {
        const store = new GraphStore({ doc: baseDocument() });
        const snapshots = [structuredClone(store.doc)];
        for (const seed of seeds) {
          const edit = editFromSeed(store.doc, seed);
          if (edit && !(store.apply(edit) instanceof EditError)) snapshots.push(structuredClone(store.doc));
        }
        for (let i = snapshots.length - 2; i >= 0; i--) {
          store.undo();
          expect(store.doc).toEqual(snapshots[i]);
        }
        for (let i = 1; i < snapshots.length; i++) {
          store.redo();
          expect(store.doc).toEqual(snapshots[i]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('names the composite, not its inner node, as what binds a symbol (a case fast-check found)', () => {
    // img [N, 3, 1] into Conv2d(1 → 6) binds N = 1; grouped into g1, the composite binds it, and
    // a second Conv2d on img, after it, says so in incremental inference and from scratch alike
    const store = new GraphStore({ doc: baseDocument() });
    const conv = store.doc.nodes.find((n) => n.id === 'node:conv')!;
    const edits: Edit[] = [
      { kind: 'setParam', id: 'node:img', name: 'shape', value: ['N', 3, 1] },
      { kind: 'group', ids: ['node:conv'], compositeId: 'node:g1' },
      { kind: 'addNode', node: { ...structuredClone(conv), id: 'node:conv_b' } },
      {
        kind: 'connect',
        edge: {
          id: 'edge:img_b',
          from: { node: 'node:img', port: 'output' },
          to: { node: 'node:conv_b', port: 'input' },
        },
      },
    ];
    for (const edit of edits) expect(store.apply(edit)).not.toBeInstanceOf(EditError);
    const notes = (diagnostics: Diagnostic[] | undefined) =>
      (diagnostics ?? [])
        .flatMap((d) => d.explanation ?? [])
        .filter((e): e is string => typeof e === 'string' && e.includes('bound by'));
    const incremental = notes(store.typeOf('node:conv_b')?.diagnostics);
    expect(incremental).toEqual(['Symbols here: N = 1 (bound by Composite (node:g1)).']);
    expect(notes(inferShapes(store.doc, catalog).nodes.get('node:conv_b')?.diagnostics)).toEqual(incremental);
  });

  it('incremental inference after every transaction equals inference from scratch', () => {
    fc.assert(
      fc.property(fc.array(editSeed, { minLength: 5, maxLength: 40 }), (seeds) => {
        const store = new GraphStore({ doc: baseDocument() });
        for (const seed of seeds) {
          const edit = editFromSeed(store.doc, seed);
          if (!edit) continue;
          store.apply(edit);
          const full = inferShapes(store.doc, catalog);
          for (const node of store.doc.nodes) {
            const a = store.typeOf(node.id);
            const b = full.nodes.get(node.id);
            const summary = (d: Diagnostic) => [
              d.severity,
              d.code,
              d.message,
              JSON.stringify(d.explanation ?? null),
            ];
            expect({ ...a, diagnostics: a?.diagnostics.map(summary) }).toEqual({
              ...b,
              diagnostics: b?.diagnostics.map(summary),
            });
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
