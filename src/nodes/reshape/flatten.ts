import { defineNode, tensorPort } from '../define.ts';
import { p } from '../params.ts';
import { normalizeDimIndex, productOf } from '../shapes.ts';

/** nn.Flatten: merges dims start_dim..end_dim into one (default: all but the batch dim). */
export const Flatten = defineNode({
  type: 'Flatten',
  group: 'reshape',
  aliases: ['flatten', 'nn.Flatten', 'view(N, -1)'],
  doc: 'Merges a range of dims into one; by default every dim after the batch dim.',
  formula: 'y.shape = [d₀, …, d_{s−1}, d_s·…·d_e, d_{e+1}, …]',
  params: {
    start_dim: p.int({ default: 1 }),
    end_dim: p.int({ default: -1 }),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params) {
    if (!x) return [{ severity: 'error', code: 'missing_input', message: 'Flatten needs an input' }];
    if (x.dims.length === 0) return [{ dtype: x.dtype, dims: [1] }];
    const start = normalizeDimIndex(params.start_dim, x.dims.length);
    const end = normalizeDimIndex(params.end_dim, x.dims.length);
    if (typeof start !== 'number') return [{ ...start, port: 'input' }];
    if (typeof end !== 'number') return [{ ...end, port: 'input' }];
    if (start > end) {
      return [
        {
          severity: 'error',
          code: 'dim_order',
          message: 'flatten() has invalid args: start_dim cannot come after end_dim',
        },
      ];
    }
    const merged = productOf(x.dims.slice(start, end + 1));
    return [{ dtype: x.dtype, dims: [...x.dims.slice(0, start), merged, ...x.dims.slice(end + 1)] }];
  },
  lower: (b, [x], _params, shapes) => b.op('reshape', [x], { shape: shapes.outputs[0] }),
  paramCount: () => 0,
});
