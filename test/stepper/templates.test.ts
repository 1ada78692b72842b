/** Shipped templates, stepped: the softmax-cross-entropy exercise shows p − onehot(y) arriving at the logits. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStepper, StepperError } from '../../src/graph/stepper.ts';
import { catalog } from '../../src/nodes/index.ts';
import { loadTemplateFile } from '../../src/templates/node-loader.ts';

function load(name: string) {
  const t = loadTemplateFile(name, catalog);
  if (!t.ok) throw new Error(`${name}: ${t.errors.map((e) => e.message).join('; ')}`);
  return t.template.doc;
}

describe('stepping shipped templates', () => {
  it('softmax_ce_gradient: the gradient at the logits is softmax(z) − onehot(y) (sum reduction)', () => {
    const doc = load('softmax_ce_gradient');
    const s = createStepper(doc, catalog, { intHigh: 3 });
    if (s instanceof StepperError) throw s;
    const [seed, ce] = s.all();
    expect(seed.node).toBe('node:loss_log_p_y');
    expect(ce.op).toBe('cross_entropy');
    const z = ce.forward.find((f) => f.name === 'input')!.value;
    const y = ce.forward.find((f) => f.name === 'target')!.value.values;
    const [n, c] = z.shape;
    const expected = z.values.map((_, k) => {
      const i = Math.floor(k / c);
      const row = z.values.slice(i * c, i * c + c);
      const e = row.map((v) => Math.exp(v - Math.max(...row)));
      return e[k % c] / e.reduce((a, b) => a + b, 0) - (k % c === y[i] ? 1 : 0);
    });
    const got = ce.produced[0].grad.values;
    expect(got).toHaveLength(n * c);
    for (const [k, g] of got.entries()) expect(g).toBeCloseTo(expected[k], 5);
  });
});

/** The reference autograd case a template is built from: its input leaf and expected gradient. */
interface AutogradCase {
  id: string;
  inputs: Record<string, { shape: number[]; data: number[] }>;
  values: Record<string, { shape: number[]; data: number[] }>;
  expected_grads: Record<string, { shape: number[]; data: number[] }>;
}

const cases: AutogradCase[] = JSON.parse(
  readFileSync(new URL('../reference/cases/autograd.json', import.meta.url), 'utf8'),
).cases;

const caseById = (id: string) => cases.find((c) => c.id === id)!;

/** Step a template to its end; the last view in which each leaf received a gradient. */
function stepTemplate(name: string) {
  const doc = load(name);
  const s = createStepper(doc, catalog);
  if (s instanceof StepperError) throw s;
  const views = s.all();
  const leafGrad = (node: string) => {
    const param = s.forward.params.get(`node:${node}/value`);
    return param ? Array.from(s.pass.gradOf(param)?.dataSync() ?? []) : null;
  };
  return { doc, stepper: s, views, leafGrad };
}

describe('the study notes’ four autograd cases as templates', () => {
  const templates: [string, string][] = [
    ['autograd_chain_rule', 'ag_13'],
    ['autograd_vector_input', 'ag_14'],
    ['autograd_branching', 'ag_16'],
    ['autograd_relu_gate', 'ag_17'],
  ];

  for (const [name, id] of templates) {
    it(`${name} (${id}): the leaf x starts at the case's input and ends with its expected gradient`, () => {
      const ref = caseById(id);
      const { stepper, views, leafGrad } = stepTemplate(name);
      expect(Array.from(stepper.forward.params.get('node:x/value')!.dataSync())).toEqual(ref.inputs.x.data);
      // every intermediate value the case lists, on the node of the same name
      for (const [value, t] of Object.entries(ref.values)) {
        const out = stepper.forward.values.get(`node:${value}`)?.output;
        expect(out, value).toBeDefined();
        expect([...out!.shape], value).toEqual(t.shape);
        expect(Array.from(out!.dataSync()), value).toEqual(t.data);
      }
      expect(leafGrad('x')).toEqual(ref.expected_grads.x.data);
      // the last step that deposits into x shows the same total
      const last = [...views].reverse().find((v) => v.accumulations.some((a) => a.label === 'x'))!;
      const intoX = last.accumulations.find((a) => a.label === 'x')!;
      expect(intoX.total.values).toEqual(ref.expected_grads.x.data);
      expect(intoX.total.shape).toEqual(ref.expected_grads.x.shape);
    });
  }

  it('chain rule: 2u = 14 at the square, 14 through the add, 3 · 14 = 42 at the multiply', () => {
    const { views } = stepTemplate('autograd_chain_rule');
    expect(views.map((v) => `${v.op}@${v.node}`)).toEqual([
      'loss@node:f',
      'pow@node:f',
      'add@node:u',
      'mul@node:u0',
    ]);
    expect(views[0].rule).toContain('L = 49');
    expect(views.slice(1).map((v) => v.produced.map((p) => p.grad.values[0]))).toEqual([[14], [14], [42]]);
    // the constants take no gradient: the multiply produces one for x only
    expect(views[3].produced.map((p) => p.label)).toEqual(['db → x']);
  });

  it('branching: x receives 4 from the square, then 3 from the multiply, summed to 7', () => {
    const { views, doc } = stepTemplate('autograd_branching');
    // each of x's two edges is coloured by the gradient that went back along it
    const edgeInto = (node: string) =>
      doc.edges.find((e) => e.from.node === 'node:x' && e.to.node === node)!.id;
    expect(views[3].edgeNorms[edgeInto('node:sq')]).toBe(4);
    expect(views[3].edgeNorms[edgeInto('node:lin')]).toBe(3);
    expect(views.map((v) => `${v.op}@${v.node}`)).toEqual([
      'loss@node:y',
      'add@node:y',
      'pow@node:sq',
      'mul@node:lin',
    ]);
    const first = views[2].accumulations.find((a) => a.label === 'x')!;
    expect(first.contributions.map((c) => c.values)).toEqual([[4]]);
    const sum = views[3].accumulations.find((a) => a.label === 'x')!;
    expect(sum.contributions.map((c) => c.values)).toEqual([[4], [3]]);
    expect(sum.total.values).toEqual([7]);
  });

  it('vector input: the sum spreads 1 to each element, the square makes it 2x = [2, 4]', () => {
    const { views } = stepTemplate('autograd_vector_input');
    expect(views.map((v) => v.op)).toEqual(['loss', 'sum', 'pow']);
    expect(views[1].produced[0].grad.values).toEqual([1, 1]);
    expect(views[2].produced[0].grad).toMatchObject({ shape: [2], values: [2, 4] });
  });

  it('ReLU gate: the mask [x > 0] = [0, 1] stops the gradient of the negative element', () => {
    const { views } = stepTemplate('autograd_relu_gate');
    const relu = views.find((v) => v.op === 'relu')!;
    expect(relu.mask?.values).toEqual([0, 1]);
    expect(relu.upstream[0].values).toEqual([1, 1]);
    expect(relu.produced[0].grad.values).toEqual([0, 1]);
  });
});
