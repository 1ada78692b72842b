import { defineNode, tensorPort } from '../define.ts';
import { p } from '../params.ts';
import { normalizeDimIndex } from '../shapes.ts';

/** torch.transpose: swaps two dims. */
export const Transpose = defineNode({
  type: 'Transpose',
  group: 'reshape',
  aliases: ['transpose', 'swapaxes', '.T'],
  doc: 'Swaps two dims (by default the last two, as for a matrix transpose).',
  formula: 'y[…, j, …, i, …] = x[…, i, …, j, …]',
  params: {
    dim0: p.int({ default: -2 }),
    dim1: p.int({ default: -1 }),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params) {
    if (!x) return [{ severity: 'error', code: 'missing_input', message: 'Transpose needs an input' }];
    const d0 = normalizeDimIndex(params.dim0, x.dims.length);
    const d1 = normalizeDimIndex(params.dim1, x.dims.length);
    if (typeof d0 !== 'number') return [{ ...d0, port: 'input' }];
    if (typeof d1 !== 'number') return [{ ...d1, port: 'input' }];
    const dims = [...x.dims];
    if (dims.length > 0) [dims[d0], dims[d1]] = [dims[d1], dims[d0]];
    return [{ dtype: x.dtype, dims }];
  },
  lower: (b, [x], params) => b.op('transpose', [x], { dim0: params.dim0, dim1: params.dim1 }),
  paramCount: () => 0,
});
