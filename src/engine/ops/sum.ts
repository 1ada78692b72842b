import { reduceDims } from '../backends/cpu/reduce.ts';
import { defineOp, type OpDef } from '../op.ts';
import {
  keptShape,
  type ReduceAttrs,
  reduceDefaults,
  reducedDims,
  reduceShape,
  spreadBack,
} from './_reduce.ts';
import { allocStorage } from '../tensor.ts';

export const sum: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: 'sum',
  kind: 'reduce',
  inputs: [{ name: 'x' }],
  defaults: reduceDefaults,
  shape: ([x], attrs) => reduceShape('sum', x!, attrs),
  forward: {
    cpu([x], { dim }, [o]) {
      const dims = reducedDims('sum', dim, x!.shape.length) as number[];
      const total = reduceDims(x!, keptShape(x!.shape, dims), 0, (acc, v) => acc + v);
      const result = allocStorage(o.dtype, total.length);
      result.set(total);
      return [result];
    },
  },
  vjp: ({ inputs: [x] }, [dy], attrs) => [spreadBack(dy, x!, attrs)],
  formula: 'dX = broadcast(dY) over the summed dims',
});
