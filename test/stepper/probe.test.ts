import { describe, expect, it } from 'vitest';
import { createStepper, StepperError } from '../../src/graph/stepper.ts';
import { checkProbe, type ProbeParams, traceExample } from '../../src/nodes/evaluators/probe.ts';
import { catalog, defaultsOf } from '../../src/nodes/index.ts';
import { id, mlpDocument } from './graphs.ts';

const params = (over: Partial<ProbeParams>): ProbeParams => ({
  ...(defaultsOf(catalog.get('Probe')!) as unknown as ProbeParams),
  ...over,
});

describe('Probe node', () => {
  it('is in the catalog, with the non-finite check by default', () => {
    expect(catalog.get('Probe')?.group).toBe('evaluators');
    expect(params({}).condition).toBe('non_finite');
  });

  it('pauses on a non-finite value whatever its condition', () => {
    const calm = checkProbe(params({}), [1, 2, 3], 5);
    expect(calm).toMatchObject({ pause: false, reason: null, nonFinite: 0 });
    expect(calm.norm).toBeCloseTo(Math.sqrt(14), 12);
    const hit = checkProbe(
      params({ condition: 'every_k', every: 1000 }),
      [1, Number.NaN, Number.POSITIVE_INFINITY],
      7,
    );
    expect(hit).toMatchObject({ pause: true, nonFinite: 2, reason: '2 non-finite values at step 7' });
  });

  it('pauses when the norm is above its threshold', () => {
    const p = params({ condition: 'norm_above', threshold: 5 });
    expect(checkProbe(p, [3, 4], 1).pause).toBe(false);
    expect(checkProbe(p, [3, 4.5], 1)).toMatchObject({ pause: true, reason: '‖x‖ = 5.408 > 5 at step 1' });
  });

  it('pauses every k steps', () => {
    const p = params({ condition: 'every_k', every: 3 });
    expect([0, 1, 2, 3, 4, 5, 6].filter((s) => checkProbe(p, [0], s).pause)).toEqual([3, 6]);
  });

  it('traces one example: its slice of the batch', () => {
    expect(traceExample([3, 2], [1, 2, 3, 4, 5, 6], 1)).toEqual({ shape: [2], values: [3, 4] });
    expect(traceExample([3, 2], [1, 2, 3, 4, 5, 6], 3)).toBeNull();
  });

  it('placed on an edge, passes values and gradients through unchanged', () => {
    const doc = mlpDocument(catalog);
    doc.nodes.push({
      id: id('probe'),
      type: 'Probe',
      params: defaultsOf(catalog.get('Probe')!) as never,
      position: { x: 0, y: 300 },
    });
    doc.edges = doc.edges.flatMap((e) =>
      e.id === 'edge:relu-fc2-input'
        ? [
            { ...e, id: 'edge:relu-probe', to: { node: id('probe'), port: 'input' } },
            { ...e, id: 'edge:probe-fc2', from: { node: id('probe'), port: 'output' } },
          ]
        : [e],
    );
    const withProbe = createStepper(doc, catalog, { intHigh: 3 });
    const without = createStepper(mlpDocument(catalog), catalog, { intHigh: 3 });
    if (withProbe instanceof StepperError || without instanceof StepperError) throw new Error('no stepper');
    expect(withProbe.lossValue).toBe(without.lossValue);
    const a = withProbe.all().slice(1);
    const b = without.all().slice(1);
    expect(a.map((v) => v.node)).toEqual(b.map((v) => v.node));
    expect(a.map((v) => v.produced.map((p) => p.grad.values))).toEqual(
      b.map((v) => v.produced.map((p) => p.grad.values)),
    );
    // the gradient into the probe's output edge is the one fc2 sends back
    expect(a[1].edgeNorms['edge:probe-fc2']).toBeCloseTo(b[1].edgeNorms['edge:relu-fc2-input'], 6);
  });
});
