/**
 * Tensor: a tensor written into the graph, like `torch.tensor([1., 2.], requires_grad=True)`.
 * With requires_grad it is a leaf the backward pass fills a gradient into (the study notes'
 * x in f(x) = (3x + 4)²); without, a constant (the 3 and the 4). It has no inputs.
 */
import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { describeValue, p, type ParamSpec } from '../params.ts';
import { isNumeric, productOf } from '../shapes.ts';

const NUMBER_LIST = /^\[?\s*([-+]?[\d.eE+-]+(\s*[,\s]\s*[-+]?[\d.eE+-]+)*)?\s*\]?$/;

/** "1, 2", "[1, 2]", "-1 2.5e-3" → the numbers; null when any entry is not a finite number. */
export function parseValues(text: string): number[] | null {
  const trimmed = text.trim();
  if (!NUMBER_LIST.test(trimmed)) return null;
  const inner = trimmed.replace(/^\[|\]$/g, '').trim();
  if (inner === '') return [];
  const values = inner.split(/[\s,]+/).map(Number);
  return values.every(Number.isFinite) ? values : null;
}

/** The values param: numbers in row-major order, as text so the inspector edits them in one field. */
const valuesParam: ParamSpec<string> = {
  ...p.string({ default: '0', doc: 'numbers in row-major order, e.g. "1, 2"; one number fills the shape' }),
  check: (v) =>
    typeof v === 'string' && v.length <= 2000 && parseValues(v)?.length
      ? null
      : `expected numbers separated by commas, like "1, 2", got ${describeValue(v)}`,
};

export const Tensor = declareNode({
  type: 'Tensor',
  group: 'math',
  aliases: ['constant', 'leaf', 'literal', 'scalar', 'torch.tensor', 'requires_grad', 'value'],
  doc: 'A tensor with given values. With requires_grad it is a leaf: the backward pass fills in its gradient (x.grad); without, a constant.',
  formula: 'y = the given values',
  params: {
    shape: p.dims({ default: [], doc: 'dims; [] is a scalar' }),
    values: valuesParam,
    requires_grad: p.bool({ default: true, doc: 'a leaf whose gradient the backward pass computes' }),
  },
  inputs: [],
  outputs: [tensorPort('output')],
  infer(_inputs, params) {
    const count = parseValues(params.values)!.length;
    const size = productOf(params.shape);
    if (count !== 1 && !isNumeric(params.shape))
      return fail(
        'values_count',
        `Tensor: ${count} values cannot fill the symbolic shape [${params.shape.join(', ')}]; give one value, or numeric sizes`,
      );
    if (count !== 1 && count !== size)
      return fail(
        'values_count',
        `Tensor: shape [${params.shape.join(', ')}] holds ${size} values, got ${count}`,
      );
    return [{ dtype: 'float32', dims: [...params.shape] }];
  },
  lower(b, _inputs, params, shapes) {
    const shape = shapes.outputs[0];
    const given = parseValues(params.values)!;
    const size = shape.reduce((a, d) => a * d, 1);
    const data = given.length === 1 ? new Array<number>(size).fill(given[0]) : given;
    return [
      params.requires_grad ? b.param('value', shape, { kind: 'values', data }) : b.constant(data, shape),
    ];
  },
  flops: () => 0,
  // a leaf with requires_grad is trained like a weight when an optimizer is wired to the loss
  paramCount: (_inputs, params) => {
    const size = productOf(params.shape);
    return params.requires_grad && typeof size === 'number' ? size : 0;
  },
});
