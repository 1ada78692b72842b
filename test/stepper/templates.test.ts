/** Shipped templates, stepped: the softmax-cross-entropy exercise shows p − onehot(y) arriving at the logits. */
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
