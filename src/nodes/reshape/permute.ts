import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { describeValue, type ParamSpec } from '../params.ts';
import { normalizeDimIndex } from '../shapes.ts';

/** A list of dim indices (negative counts from the end). */
const dimList: ParamSpec<number[]> = {
  kind: 'dims',
  default: [0, 2, 1],
  doc: 'the new order of the dims, e.g. [0, 2, 1]; negative indices count from the end',
  check: (v) =>
    Array.isArray(v) && v.length <= 8 && v.every((d) => Number.isInteger(d))
      ? null
      : `expected a list of at most 8 integers, got ${describeValue(v)}`,
};

/** torch.permute: reorders every dim at once. */
export const Permute = declareNode({
  type: 'Permute',
  group: 'reshape',
  aliases: ['permute', 'transpose dims', 'moveaxis'],
  doc: 'Reorders the dims: output dim i is input dim dims[i] (e.g. [0, 2, 1] turns [N, T, C] into [N, C, T]).',
  formula: 'y.shape[i] = x.shape[dims[i]]',
  params: { dims: dimList },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params) {
    if (!x) return fail('missing_input', 'Permute needs an input', { port: 'input' });
    const rank = x.dims.length;
    if (params.dims.length !== rank) {
      return fail(
        'dims',
        `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${rank} is not equal to len(dims) = ${params.dims.length}`,
        { port: 'input' },
      );
    }
    const order: number[] = [];
    for (const d of params.dims) {
      const n = normalizeDimIndex(d, rank);
      if (typeof n !== 'number') return [{ ...n, port: 'input' }];
      if (order.includes(n)) return fail('dims', 'repeated dim in permute');
      order.push(n);
    }
    return [{ dtype: x.dtype, dims: order.map((i) => x.dims[i]) }];
  },
  lower: (b, [x], params) => b.op('permute', [x], { dims: params.dims }),
  paramCount: () => 0,
  flops: () => 0,
});
