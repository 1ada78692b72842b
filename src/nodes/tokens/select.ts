/**
 * torch.select / `x[:, index]`: one position along a dim, that dim removed (ViT's head reads
 * the class token as `X[:, 0]`). The index may count from the end, as in Python.
 */
import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { p } from '../params.ts';
import { formatDims, normalizeDimIndex } from '../shapes.ts';

export const Select = declareNode({
  type: 'Select',
  group: 'reshape',
  aliases: ['index', 'x[:, 0]', 'take', 'torch.select', 'first token', 'class token output'],
  doc: 'Picks one position along a dim and drops that dim: dim 1, index 0 reads the first token of [N, T, d] as [N, d].',
  formula: 'y = x.select(dim, index)',
  params: {
    dim: p.int({ default: 1, doc: 'the dim indexed (negative counts from the end)' }),
    index: p.int({ default: 0, doc: 'the position along dim (negative counts from the end)' }),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params) {
    if (!x) return fail('missing_input', 'Select needs an input', { port: 'input' });
    if (x.dims.length === 0)
      return fail('rank', 'select() cannot be applied to a 0-dim tensor.', { port: 'input' });
    const dim = normalizeDimIndex(params.dim, x.dims.length);
    if (typeof dim !== 'number') return [{ ...dim, message: `Select: ${dim.message}`, port: 'input' }];
    const size = x.dims[dim];
    if (typeof size === 'number' && (params.index < -size || params.index >= size)) {
      return fail(
        'index',
        `select(): index ${params.index} out of range for tensor of size ${formatDims(x.dims)} at dimension ${dim}`,
        { port: 'input' },
      );
    }
    return [{ dtype: x.dtype, dims: x.dims.filter((_, i) => i !== dim) }];
  },
  lower(b, [x], params, shapes) {
    const shape = shapes.inputs[0] ?? [];
    const dim = params.dim < 0 ? params.dim + shape.length : params.dim;
    const start = params.index < 0 ? params.index + shape[dim] : params.index;
    const [row] = b.op('narrow', [x], { dim, start, length: 1 });
    return b.op('reshape', [row], { shape: shapes.outputs[0] });
  },
  paramCount: () => 0,
});
