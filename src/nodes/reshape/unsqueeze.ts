import { defineNode, tensorPort } from '../define.ts';
import { p } from '../params.ts';
import { normalizeDimIndex } from '../shapes.ts';

/** torch.unsqueeze: inserts a dim of size 1. */
export const Unsqueeze = defineNode({
  type: 'Unsqueeze',
  group: 'reshape',
  aliases: ['unsqueeze', 'expand_dims', 'None index'],
  doc: 'Inserts a dim of size 1 at `dim` (negative counts from the end of the result).',
  formula: 'y.shape = [d₀, …, 1, …, d_{n−1}]  (1 at dim)',
  params: { dim: p.int({ default: -1 }) },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params) {
    if (!x) return [{ severity: 'error', code: 'missing_input', message: 'Unsqueeze needs an input' }];
    const rank = x.dims.length + 1;
    const dim = normalizeDimIndex(params.dim, rank);
    if (typeof dim !== 'number') return [{ ...dim, port: 'input' }];
    return [{ dtype: x.dtype, dims: [...x.dims.slice(0, dim), 1, ...x.dims.slice(dim)] }];
  },
  lower: (b, [x], _params, shapes) => b.op('reshape', [x], { shape: shapes.outputs[0] }),
  paramCount: () => 0,
});
