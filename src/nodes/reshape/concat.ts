import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { addDims } from '../kit/dims.ts';
import { p } from '../params.ts';
import { normalizeDimIndex } from '../shapes.ts';
import type { Dim, TensorType } from '../types.ts';

const PORTS = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'];

/** torch.cat of two to six tensors (Inception branches, DenseNet features). */
export const Concat = declareNode({
  type: 'Concat',
  group: 'reshape',
  aliases: ['cat', 'concatenate', 'torch.cat', 'join'],
  doc: 'Joins its inputs (x0, x1 and any of x2…x5 that are connected, in order) along dim; every other dim must match.',
  formula: 'y = [x0 ‖ x1 ‖ …] along dim;  y.shape[dim] = Σ xᵢ.shape[dim]',
  params: { dim: p.int({ default: 1, doc: 'torch.cat’s default is 0; 1 joins channels of [N, C, …]' }) },
  inputs: PORTS.map((name, i) => tensorPort(name, { optional: i >= 2 })),
  outputs: [tensorPort('output')],
  infer(inputs, params, ctx) {
    const given = inputs
      .map((t, i) => ({ t, i }))
      .filter((x): x is { t: TensorType; i: number } => x.t !== null);
    if (given.length < 2) return fail('missing_input', 'Concat needs at least two inputs', { port: 'x1' });
    const first = given[0].t;
    const rank = first.dims.length;
    if (rank === 0)
      return fail('rank', 'zero-dimensional tensor (at position 0) cannot be concatenated', { port: 'x0' });
    const dim = normalizeDimIndex(params.dim, rank);
    if (typeof dim !== 'number') return [{ ...dim, port: 'x0' }];
    let joined: Dim = 0;
    for (const [n, { t, i }] of given.entries()) {
      if (t.dims.length !== rank) {
        return fail('rank', `Tensors must have same number of dimensions: got ${rank} and ${t.dims.length}`, {
          port: PORTS[i],
        });
      }
      for (let d = 0; d < rank; d++) {
        if (d !== dim && !ctx.unify(first.dims[d], t.dims[d])) {
          return fail(
            'concat',
            `Sizes of tensors must match except in dimension ${dim}. Expected size ${first.dims[d]} but got size ${t.dims[d]} for tensor number ${n} in the list.`,
            { port: PORTS[i] },
          );
        }
      }
      joined = addDims(joined, t.dims[dim]);
    }
    const dtype = given.every((g) => g.t.dtype === 'int32') ? 'int32' : 'float32';
    return [{ dtype, dims: first.dims.map((d, i) => (i === dim ? joined : d)) }];
  },
  lower: (b, inputs, params) =>
    b.op(
      'concat',
      inputs.filter((x) => x !== null),
      { dim: params.dim },
    ),
  paramCount: () => 0,
  flops: () => 0,
});
