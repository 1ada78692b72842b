import { maxPropagatingNaN, reduceDims } from '../backends/cpu/reduce.ts';
import { run } from '../dispatch.ts';
import { ShapeError } from '../errors.ts';
import { div, mul, reshape } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { keptShape, type ReduceAttrs, reduceDefaults, reducedDims, reduceShape } from './_reduce.ts';
import { allocStorage } from '../tensor.ts';

/** torch.amax: the largest value over the given dims (values only); a NaN wins. */
export const max: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: 'max',
  kind: 'reduce',
  inputs: [{ name: 'x' }],
  defaults: reduceDefaults,
  shape([x], attrs) {
    const result = reduceShape('max', x!, attrs);
    if (result instanceof Error) return result;
    const dims = reducedDims('max', attrs.dim, x!.shape.length) as number[];
    if (attrs.dim == null && x!.shape.includes(0)) {
      return new ShapeError(
        'max',
        "amax(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.",
      );
    }
    const empty = dims.find((d) => x!.shape[d] === 0);
    if (empty !== undefined) {
      return new ShapeError('max', `amax(): Expected reduction dim ${empty} to have non-zero size.`, [
        { input: 0, dim: empty },
      ]);
    }
    return result;
  },
  forward: {
    cpu([x], { dim }, [o]) {
      const dims = reducedDims('max', dim, x!.shape.length) as number[];
      const best = reduceDims(x!, keptShape(x!.shape, dims), Number.NEGATIVE_INFINITY, maxPropagatingNaN);
      const result = allocStorage(o.dtype, best.length);
      result.set(best);
      return [result];
    },
  },
  vjp({ inputs: [x], outputs: [y] }, [dy], { dim }) {
    // PyTorch's amax backward: the gradient is shared evenly among the elements equal to the max
    const kept = keptShape(x!.shape, reducedDims('max', dim, x!.shape.length) as number[]);
    const isMax = run('equal_mask', [x!, reshape(y, kept)]);
    const count = run('sum', [isMax], { dim, keepdim: true });
    return [mul(isMax, div(reshape(dy, kept), count))];
  },
  formula: 'dX = dY·[X = max] / #ties',
});
