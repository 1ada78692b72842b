import { describe, expect, it } from 'vitest';
import { catalog } from '../../nodes/index.ts';
import { loadTemplateFile } from '../../templates/node-loader.ts';
import { forkTemplate } from '../../templates/template.ts';
import { fixEdits, optimizerNodes } from './fixes.ts';

function template(name: string) {
  const r = loadTemplateFile(name, catalog);
  if (!r.ok) throw new Error(`template ${name} does not load`);
  return forkTemplate(r.template);
}

describe('remedies for a blow-up', () => {
  it('lower every optimizer node’s learning rate tenfold', () => {
    const doc = template('exploding_lr');
    const [sgd] = optimizerNodes(doc, catalog);
    expect(sgd.type).toBe('SGD');
    expect(fixEdits(doc, catalog, 'lower-lr')).toEqual([
      { kind: 'setParam', id: sgd.id, name: 'lr', value: 1e4 },
    ]);
  });

  it('clip its gradients to total norm 1', () => {
    const doc = template('exploding_lr');
    const [sgd] = optimizerNodes(doc, catalog);
    expect(fixEdits(doc, catalog, 'clip')).toEqual([
      { kind: 'setParam', id: sgd.id, name: 'clip', value: 'norm' },
      { kind: 'setParam', id: sgd.id, name: 'max_norm', value: 1 },
    ]);
  });

  it('have nothing to edit in a graph without an optimizer node', () => {
    expect(fixEdits(template('mnist_mlp'), catalog, 'lower-lr')).toEqual([]);
  });
});
