import { softmaxAlong } from '../backends/cpu/reduce.ts';
import { run } from '../dispatch.ts';
import { mul, sub } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { type SoftmaxAttrs, softmaxDim, softmaxShape } from './softmax.ts';

/** log(softmax(x)) as x − max − log Σ exp(x − max): finite even for logits of ±1000. */
export const log_softmax: OpDef<SoftmaxAttrs> = defineOp<SoftmaxAttrs>({
  name: 'log_softmax',
  kind: 'reduce',
  inputs: [{ name: 'x' }],
  shape: ([x], { dim }) => softmaxShape('log_softmax', x!, dim),
  forward: { cpu: ([x], { dim }) => [softmaxAlong(x!, softmaxDim(dim, x!.shape.length), true)] },
  vjp({ outputs: [y] }, [dy], { dim }) {
    const total = run('sum', [dy], { dim, keepdim: true });
    return [sub(dy, mul(run('exp', [y]), total))];
  },
  formula: 'dX = dY − softmax(X)·Σ_dim dY',
});
