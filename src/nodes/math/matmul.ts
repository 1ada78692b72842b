import { defineNode, tensorPort } from '../define.ts';
import { isNumeric, matmulDims, type Unifier } from '../shapes.ts';
import type { Dim, FixSuggestion } from '../types.ts';

/** Checks a shape pair without binding anything (to test whether a fix would work). */
const dryRun: Unifier = { unify: (a, b) => a === b };

const transposedLast2 = (d: readonly Dim[]) =>
  d.length < 2 ? [...d] : [...d.slice(0, -2), d[d.length - 1], d[d.length - 2]];

/** torch.matmul: 1-D and batched operands, batch dims broadcast. */
export const MatMul = defineNode({
  type: 'MatMul',
  group: 'math',
  aliases: ['matmul', '@', 'mm', 'bmm', 'dot'],
  doc: 'Matrix product of a and b (torch.matmul): 1-D operands are vectors, leading dims are batches.',
  formula: 'y = a·b',
  params: {},
  inputs: [tensorPort('a'), tensorPort('b')],
  outputs: [tensorPort('output')],
  infer([a, b], _params, ctx) {
    if (!a || !b)
      return [
        { severity: 'error', code: 'missing_input', port: a ? 'b' : 'a', message: 'MatMul needs two inputs' },
      ];
    const dims = matmulDims(a.dims, b.dims, ctx);
    if (Array.isArray(dims)) return [{ dtype: 'float32', dims }];
    const fixes: FixSuggestion[] = [];
    if (dims.code === 'inner_dim' && isNumeric(a.dims) && isNumeric(b.dims)) {
      if (Array.isArray(matmulDims(b.dims, a.dims, dryRun))) {
        fixes.push({ label: 'Swap the operands (b·a)', intents: [{ kind: 'swapInputs', a: 'a', b: 'b' }] });
      }
      if (b.dims.length >= 2 && Array.isArray(matmulDims(a.dims, transposedLast2(b.dims), dryRun))) {
        fixes.push({
          label: 'Transpose b (a·bᵀ)',
          intents: [
            { kind: 'insertBefore', port: 'b', nodeType: 'Transpose', params: { dim0: -2, dim1: -1 } },
          ],
        });
      }
    }
    return [{ ...dims, port: 'b', fixes }];
  },
  lower: (builder, [a, b]) => builder.op('matmul', [a, b]),
  paramCount: () => 0,
  flops([a, b]) {
    if (!a || !b || a.dims.length === 0 || b.dims.length === 0) return 0;
    const dims = matmulDims(a.dims, b.dims, { unify: () => true });
    const k = a.dims[a.dims.length - 1];
    const size = (d: (number | string)[]) =>
      d.reduce<number>((n, x) => n * (typeof x === 'number' ? x : 0), 1);
    return Array.isArray(dims) ? size(dims) * size([k]) : 0;
  },
});
