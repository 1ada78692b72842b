import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/engine/index.ts';
import {
  GRADCHECK_DTYPE,
  GRADCHECK_TOLERANCE,
  gradcheckGraph,
  gradcheckNode,
  hasGradients,
  tinyInputs,
} from '../../src/graph/gradcheck.ts';
import { defaultsOf, defineNode, nodeDefs, tensorPort } from '../../src/nodes/index.ts';
import { mlpDocument, studyCatalog } from './graphs.ts';

const checkable = nodeDefs.filter(hasGradients);

describe('gradient check of every node type in the catalog (float64 central differences)', () => {
  it('finds node types to check', () => {
    expect(checkable.map((d) => d.type)).toEqual(
      expect.arrayContaining(['Linear', 'Conv2d', 'ReLU', 'CrossEntropyLoss']),
    );
  });

  it('checks at the bar of the issue: relative error below 1e-6, in float64', () => {
    expect(GRADCHECK_TOLERANCE).toBe(1e-6);
    expect(GRADCHECK_DTYPE).toBe('float64');
  });

  for (const def of checkable) {
    // composite blocks get fewer points: each point is five runs of the whole block
    const options = def.group === 'composites' ? { maxCoordinates: 6 } : {};
    it(`${def.type}: autograd agrees with finite differences within ${GRADCHECK_TOLERANCE}`, {
      timeout: 240_000,
    }, () => {
      const params = defaultsOf(def);
      const inputs = tinyInputs(def, params, 'signed');
      expect(inputs, `no tiny input fits ${def.type} with its defaults`).not.toBeNull();
      let report: ReturnType<typeof gradcheckNode>;
      try {
        report = gradcheckNode(def, params, inputs!, options);
        if (!report.pass) throw new Error('retry with probabilities');
      } catch {
        // losses over probabilities (BCE, KL) need inputs in (0, 1)
        report = gradcheckNode(def, params, tinyInputs(def, params, 'unit')!, options);
      }
      const failing = report.tensors
        .filter((t) => !t.pass)
        .map((t) => `${t.name}: ${t.relError.toExponential(2)}`);
      expect(failing, `${def.type}`).toEqual([]);
      expect(report.tensors.length).toBeGreaterThan(0);
      expect(report.tensors.every((t) => t.checked > 0)).toBe(true);
    });
  }
});

describe('gradient check of a whole graph', () => {
  it('passes for the MLP with softmax-cross-entropy: every parameter and the sample input', () => {
    const report = gradcheckGraph(mlpDocument(), studyCatalog, { intHigh: 3 });
    expect(report.tensors.map((t) => t.name).sort()).toEqual(
      ['node:fc1/bias', 'node:fc1/weight', 'node:fc2/bias', 'node:fc2/weight', 'node:x'].sort(),
    );
    expect(report.pass).toBe(true);
  });

  it('catches a wrong gradient: a node whose lowering hides a factor from the tape', () => {
    // y = x ⊙ c with c a constant copy of x: the true derivative is 2x, the tape sees x
    const square = defineNode({
      type: 'HiddenSquare',
      group: 'math',
      aliases: [],
      doc: 'x² with half its gradient missing',
      params: {},
      inputs: [tensorPort('input')],
      outputs: [tensorPort('output')],
      infer: ([x]) => [{ dtype: 'float32', dims: [...(x?.dims ?? [])] }],
      lower: (b, [x], _p, shapes) =>
        b.op('mul', [x, b.constant(Array.from((x as Tensor).dataSync()), shapes.inputs[0]!)]),
      paramCount: () => 0,
    });
    const report = gradcheckNode(square as never, {}, tinyInputs(square as never, {})!);
    expect(report.pass).toBe(false);
    expect(report.tensors[0].relError).toBeGreaterThan(0.3);
  });
});
