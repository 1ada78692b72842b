import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferShapes, parseDocument } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { loadBundledTemplates } from '../../src/templates/browser-loader.ts';
import { buildTemplates } from '../../src/templates/defs/index.ts';
import { formatTemplate } from '../../src/templates/format.ts';
import { listTemplateNames, loadTemplateFile, TEMPLATES_DIR } from '../../src/templates/node-loader.ts';
import {
  decodeLink,
  encodeLinkFragment,
  exportFile,
  importFile,
  ShareError,
} from '../../src/templates/share.ts';
import { forkTemplate, searchTemplates, type Template } from '../../src/templates/template.ts';

/** Templates that exist to show a warning: the diagnostic codes each must show. */
const INTENDED_WARNINGS: Record<string, string[]> = {
  broadcasting_trap: ['broadcast_trap'],
};

const names = listTemplateNames();

/** The templates that must be there (the generator writes more as the catalog grows). */
const SHIPPED = [
  'mnist_mlp',
  'lenet',
  'alexnet',
  'vgg11',
  'nin',
  'googlenet',
  'resnet18',
  'densenet',
  'transformer_encoder_post_norm',
  'transformer_encoder_pre_norm',
  'linear_regression',
  'softmax_regression',
  'resnext_block',
  'regnet',
  'rnn_language_model',
  'lstm_language_model',
  'gru_language_model',
  'seq2seq_copy_reverse',
  'vit_mnist',
  'softmax_sanity',
  'softmax_ce_gradient',
  'first_iteration_loss',
  'cnn_vs_mlp_params',
  'batchnorm_vs_layernorm',
  'broadcasting_trap',
  'losses_as_likelihoods',
  'batch_size_noise',
  'zero_init_symmetry',
  'log_sum_exp_stability',
  'sgd_vs_momentum',
  'vit_d2l',
];

function load(name: string): Template {
  const result = loadTemplateFile(name, catalog);
  if (!result.ok)
    throw new Error(`${name}: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return result.template;
}

describe('every template', () => {
  it('is there: the models, the exercises and the editor’s MNIST MLP', () => {
    for (const name of SHIPPED) expect(names).toContain(name);
    // a template still waiting for node types must not ship half-valid
    for (const name of Object.keys(buildTemplates(catalog).skipped)) expect(names).not.toContain(name);
  });

  describe.each(names)('%s', (name) => {
    it('loads and validates, with a title, description, what it teaches and tags', () => {
      const t = load(name);
      expect(t.meta.title.length).toBeGreaterThan(0);
      expect(t.meta.description.length).toBeGreaterThan(20);
      expect(t.meta.teaches.length).toBeGreaterThan(20);
      expect(['model', 'exercise']).toContain(t.meta.tags[0]);
    });

    it('infers shapes with no errors, and only the warnings it is there to show', () => {
      const { doc } = load(name);
      const inference = inferShapes(doc, catalog);
      const problems = inference.diagnostics.filter((d) => d.severity !== 'info' || d.code === 'unconnected');
      const expected = INTENDED_WARNINGS[name] ?? [];
      expect(
        problems
          .filter((d) => d.severity === 'error' || !expected.includes(d.code))
          .map((d) => `${d.nodeId}: ${d.message}`),
      ).toEqual([]);
      for (const code of expected) expect(problems.map((d) => d.code)).toContain(code);
      for (const node of doc.nodes)
        expect(inference.nodes.get(node.id)?.status, node.id).toMatch(/^(ok|warning)$/);
    });

    it('round-trips through a .shapeflow.json file and a link, deep-equal', () => {
      const { doc } = load(name);
      const file = exportFile(doc);
      expect(file.name.endsWith('.shapeflow.json')).toBe(true);
      expect(importFile(file.text, catalog)).toEqual(doc);
      const fragment = encodeLinkFragment({
        doc,
        run: { optimizer: 'SGD', lr: 0.1, batch_size: 64 },
        seed: 7,
      });
      // every bundled template fits a link (the refusal over the cap is tested in share.test.ts)
      if (fragment instanceof ShareError) throw fragment;
      const back = decodeLink(`https://shapeflow.example/app#${fragment}`, catalog);
      expect(back).toEqual({ doc, run: { optimizer: 'SGD', lr: 0.1, batch_size: 64 }, seed: 7 });
    });
  });

  it('generated templates match their definitions (else run scripts/make-templates.ts)', () => {
    // compared as loaded, so a param the catalog adds later (with its default) is no difference
    const loaded = (value: unknown) => {
      const r = parseDocument(value, catalog);
      return r.ok ? r.doc : r.errors;
    };
    for (const [name, doc] of Object.entries(buildTemplates(catalog).ready)) {
      if (!names.includes(name)) continue; // newly buildable: shipped on the next generator run
      const text = readFileSync(join(TEMPLATES_DIR, `${name}.json`), 'utf8');
      expect(loaded(JSON.parse(text)), name).toEqual(loaded(JSON.parse(formatTemplate(doc))));
    }
  });

  it('the browser loader bundles the same templates, each valid', () => {
    const bundled = loadBundledTemplates(catalog);
    expect(bundled.map((r) => (r.ok ? r.template.name : r.name))).toEqual(names);
    expect(bundled.filter((r) => !r.ok)).toEqual([]);
  });
});

describe('opening a template', () => {
  it('gives a fork: editing it leaves the template as it was', () => {
    const t = load('mnist_mlp');
    const before = JSON.stringify(t.doc);
    const fork = forkTemplate(t);
    fork.nodes[2].params.out_features = 99;
    fork.meta.title = 'mine';
    expect(JSON.stringify(t.doc)).toBe(before);
  });

  it('search finds templates by words in title, description, teaches text and tags', () => {
    const all = names.map(load);
    expect(searchTemplates(all, 'broadcasting').map((t) => t.name)).toContain('broadcasting_trap');
    expect(searchTemplates(all, 'ln exercise').map((t) => t.name)).toEqual(['first_iteration_loss']);
    expect(searchTemplates(all, '')).toHaveLength(all.length);
    expect(searchTemplates(all, 'no-such-word-anywhere')).toEqual([]);
  });
});
