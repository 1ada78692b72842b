/** The node types the autograd cases are built from: Tensor (leaf or constant), Pow and Sum. */
import { describe, expect, it } from 'vitest';
import { GraphStore, inferShapes, LiveValues } from '../../src/graph/index.ts';
import { createStepper, StepperError } from '../../src/graph/stepper.ts';
import { catalog } from '../../src/nodes/index.ts';
import { parseValues } from '../../src/nodes/math/tensor.ts';
import { documentOf, id } from './graphs.ts';

const leaf = (shape: (number | string)[], values: string, requires_grad = true) => ({
  shape,
  values,
  requires_grad,
});

/** The first diagnostic of a one-node document, or its output dims. */
function inferOne(type: string, params: Record<string, unknown>, input?: (number | string)[]) {
  const nodes: [string, string, Record<string, unknown>][] = input
    ? [
        ['x', 'Input', { shape: input }],
        ['n', type, params],
      ]
    : [['n', type, params]];
  const doc = documentOf(catalog, nodes, input ? [['x', 'n', 'input']] : []);
  const info = inferShapes(doc, catalog).nodes.get(id('n'))!;
  return info.diagnostics[0]?.message ?? info.outputs.output?.dims;
}

describe('Tensor, Pow and Sum nodes', () => {
  it('reads values as numbers separated by commas or spaces, with or without brackets', () => {
    expect(parseValues('1, 2')).toEqual([1, 2]);
    expect(parseValues('[-1.5 2e-3]')).toEqual([-1.5, 0.002]);
    expect(parseValues('1, two')).toBeNull();
    expect(parseValues('1,,2')).toBeNull();
  });

  it('Tensor: its values must fill its shape, or one value fills it', () => {
    expect(inferOne('Tensor', leaf([2, 2], '1, 2, 3, 4'))).toEqual([2, 2]);
    expect(inferOne('Tensor', leaf([3], '7'))).toEqual([3]);
    expect(inferOne('Tensor', leaf(['N', 2], '0'))).toEqual(['N', 2]);
    expect(inferOne('Tensor', leaf([3], '1, 2'))).toBe('Tensor: shape [3] holds 3 values, got 2');
    expect(inferOne('Tensor', leaf(['N'], '1, 2'))).toBe(
      'Tensor: 2 values cannot fill the symbolic shape [N]; give one value, or numeric sizes',
    );
    expect(inferOne('Tensor', leaf([2], 'a, b'))).toBe(
      'Tensor: values: expected numbers separated by commas, like "1, 2", got "a, b"',
    );
  });

  it('Pow keeps the shape; Sum reduces everything, or one dim, with PyTorch’s dim message', () => {
    expect(inferOne('Pow', { exponent: 3 }, ['N', 4])).toEqual(['N', 4]);
    expect(inferOne('Sum', { dim: null, keepdim: false }, ['N', 4])).toEqual([]);
    expect(inferOne('Sum', { dim: -1, keepdim: true }, ['N', 4])).toEqual(['N', 1]);
    expect(inferOne('Sum', { dim: 0, keepdim: false }, ['N', 4])).toEqual([4]);
    expect(inferOne('Sum', { dim: 2, keepdim: false }, ['N', 4])).toBe(
      'Sum: Dimension out of range (expected to be in range of [-2, 1], but got 2)',
    );
  });

  it('a leaf takes a gradient and a constant does not: y = c · x² with c = 3 gives dy/dx = 6x', () => {
    const doc = documentOf(
      catalog,
      [
        ['x', 'Tensor', leaf([3], '1, -2, 0.5')],
        ['c', 'Tensor', leaf([], '3', false)],
        ['sq', 'Pow', { exponent: 2 }],
        ['cy', 'Mul'],
        ['y', 'Sum', { dim: null, keepdim: false }],
      ],
      [
        ['x', 'sq', 'input'],
        ['c', 'cy', 'a'],
        ['sq', 'cy', 'b'],
        ['cy', 'y', 'input'],
      ],
    );
    const s = createStepper(doc, catalog);
    if (s instanceof StepperError) throw s;
    s.all();
    expect(s.lossValue).toBeCloseTo(3 * (1 + 4 + 0.25), 5);
    expect([...s.forward.params.keys()]).toEqual(['node:x/value']);
    expect(Array.from(s.pass.gradOf(s.forward.params.get('node:x/value')!)!.dataSync())).toEqual([6, -12, 3]);
  });
});

describe('a Tensor leaf in live mode', () => {
  it('shows an edit to its values at once (a leaf is not a weight kept while its shape stays)', () => {
    const store = new GraphStore({
      doc: documentOf(catalog, [['x', 'Tensor', leaf([2], '1, 2')]], []),
      catalog,
    });
    const live = new LiveValues(store);
    const xValue = () => {
      const v = live.valueOf(id('x'));
      return v.status === 'ok' ? Array.from(v.outputs.output.dataSync()) : v.reason;
    };
    expect(xValue()).toEqual([1, 2]);
    const tx = store.apply({ kind: 'setParam', id: id('x'), name: 'values', value: '-3, 4' });
    expect(tx).not.toBeInstanceOf(Error);
    expect(xValue()).toEqual([-3, 4]);
    live.dispose();
  });
});
