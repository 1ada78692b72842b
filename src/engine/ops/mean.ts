import { reduceDims } from '../backends/cpu/reduce.ts';
import { scalarLike } from '../create.ts';
import { DTypeError } from '../errors.ts';
import { mul } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import {
  keptShape,
  type ReduceAttrs,
  reduceDefaults,
  reducedCount,
  reducedDims,
  reduceShape,
  spreadBack,
} from './_reduce.ts';
import { floatFrom } from '../tensor.ts';

export const mean: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: 'mean',
  kind: 'reduce',
  inputs: [{ name: 'x' }],
  defaults: reduceDefaults,
  shape([x], attrs) {
    if (x!.dtype === 'int32') {
      // PyTorch's wording: integer tensors have no mean dtype to infer
      return new DTypeError(
        'mean',
        'mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Int',
        0,
      );
    }
    return reduceShape('mean', x!, attrs);
  },
  forward: {
    cpu([x], { dim }, [o]) {
      const dims = reducedDims('mean', dim, x!.shape.length) as number[];
      const n = reducedCount(x!.shape, dims);
      const total = reduceDims(x!, keptShape(x!.shape, dims), 0, (acc, v) => acc + v);
      // an empty reduction is 0/0 = NaN, as in PyTorch
      return [
        floatFrom(
          o.dtype,
          total.map((t) => t / n),
        ),
      ];
    },
  },
  vjp({ inputs: [x] }, [dy], attrs) {
    const n = reducedCount(x!.shape, reducedDims('mean', attrs.dim, x!.shape.length) as number[]);
    return [mul(spreadBack(dy, x!, attrs), scalarLike(1 / n, dy))];
  },
  formula: 'dX = broadcast(dY) / n over the averaged dims',
});
