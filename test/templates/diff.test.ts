import { describe, expect, it } from 'vitest';
import { describeDiff, diffDocuments } from '../../src/graph/diff.ts';
import type { GraphDocument } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { loadTemplateFile } from '../../src/templates/node-loader.ts';

function template(name: string): GraphDocument {
  const r = loadTemplateFile(name, catalog);
  if (!r.ok) throw new Error(name);
  return r.template.doc;
}

const mlp = template('mnist_mlp');

describe('diffDocuments', () => {
  it('finds nothing between a document and its copy, even when nodes moved', () => {
    const moved = structuredClone(mlp);
    moved.nodes[3].position = { x: 999, y: 999 };
    const diff = diffDocuments(mlp, moved, catalog);
    expect(diff.same).toBe(true);
    expect(diff.moved).toEqual([moved.nodes[3].id]);
    expect(describeDiff(diff)).toEqual([]);
  });

  it('lists a changed param and every output shape it changes downstream', () => {
    const wider = structuredClone(mlp);
    const fc1 = wider.nodes.find((n) => n.id === 'node:fc1')!;
    const fc2 = wider.nodes.find((n) => n.id === 'node:fc2')!;
    fc1.params.out_features = 256;
    fc2.params.in_features = 256;
    const diff = diffDocuments(mlp, wider, catalog);
    expect(diff.changed.map((c) => [c.id, c.params.map((p) => [p.name, p.before, p.after])])).toEqual([
      ['node:fc1', [['out_features', 128, 256]]],
      ['node:fc2', [['in_features', 128, 256]]],
    ]);
    // fc1 and the ReLU after it now give [N, 256]; fc2's output is unchanged
    expect(diff.shapes.map((s) => [s.id, s.before?.dims, s.after?.dims])).toEqual([
      ['node:fc1', ['N', 128], ['N', 256]],
      ['node:relu1', ['N', 128], ['N', 256]],
    ]);
    expect(describeDiff(diff)).toContain('~ node:fc1.out_features: 128 → 256');
  });

  it('lists added and removed nodes and the re-wiring around them', () => {
    const withDropout = structuredClone(mlp);
    withDropout.nodes.push({
      id: 'node:drop',
      type: 'Dropout',
      params: { p: 0.5, mode: 'train', seed: 0 },
      position: { x: 0, y: 0 },
    });
    const edge = withDropout.edges.find((e) => e.from.node === 'node:relu1')!;
    edge.to = { node: 'node:drop', port: 'input' };
    withDropout.edges.push({
      id: 'edge:drop_fc2',
      from: { node: 'node:drop', port: 'output' },
      to: { node: 'node:fc2', port: 'input' },
    });
    const diff = diffDocuments(mlp, withDropout, catalog);
    expect(diff.added).toEqual(['node:drop']);
    expect(diff.removed).toEqual([]);
    expect(diff.edges.removed.map((e) => `${e.from.node}→${e.to.node}`)).toEqual(['node:relu1→node:fc2']);
    expect(diff.edges.added.map((e) => `${e.from.node}→${e.to.node}`).sort()).toEqual([
      'node:drop→node:fc2',
      'node:relu1→node:drop',
    ]);
    const back = diffDocuments(withDropout, mlp);
    expect(back.removed).toEqual(['node:drop']);
    expect(back.shapes).toEqual([]); // no catalog: no shape inference
  });

  it('tells a shape that becomes unknown (an error upstream) as null', () => {
    const broken = structuredClone(mlp);
    broken.nodes.find((n) => n.id === 'node:fc2')!.params.in_features = 100;
    const diff = diffDocuments(mlp, broken, catalog);
    const fc2 = diff.shapes.find((s) => s.id === 'node:fc2');
    expect(fc2?.before?.dims).toEqual(['N', 64]);
    expect(fc2?.after).toBeNull();
  });

  it('compares two templates: post-norm and pre-norm Transformer layers differ in wiring, not in nodes', () => {
    const diff = diffDocuments(
      template('transformer_encoder_post_norm'),
      template('transformer_encoder_pre_norm'),
      catalog,
    );
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.edges.added.length).toBeGreaterThan(0);
    expect(diff.edges.added.length).toBe(diff.edges.removed.length);
    expect(diff.meta).toEqual(expect.arrayContaining(['title', 'description', 'teaches', 'tags']));
  });

  it('marks a type change and a label change', () => {
    const other = structuredClone(mlp);
    const relu = other.nodes.find((n) => n.id === 'node:relu1')!;
    relu.type = 'Tanh';
    relu.label = 'squash';
    const [change] = diffDocuments(mlp, other).changed;
    expect(change).toMatchObject({
      id: 'node:relu1',
      type: 'Tanh',
      typeBefore: 'ReLU',
      label: { before: undefined, after: 'squash' },
    });
  });
});
