import { type AnyNodeDef, tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { normalizeDimIndex } from '../shapes.ts';

/** PyTorch's implicit dim when nn.Softmax() is given none: 0 for 0-, 1- and 3-D inputs, else 1 (a legacy rule). */
const implicitDim = (rank: number) => (rank === 0 || rank === 1 || rank === 3 ? 0 : 1);

function softmaxNode(
  type: 'Softmax' | 'LogSoftmax',
  op: string,
  formula: string,
  doc: string,
  aliases: string[],
): AnyNodeDef {
  return declareNode({
    type,
    group: 'activations',
    aliases: [...aliases, `nn.${type}`],
    doc,
    formula,
    params: {
      dim: p.int({
        default: null,
        nullable: true,
        doc: 'the dim that sums to one; null is PyTorch’s implicit choice (avoid it)',
      }),
    },
    inputs: [tensorPort('input')],
    outputs: [tensorPort('output')],
    infer([x], params, ctx) {
      if (!x) return fail('missing_input', `${type} needs an input`, { port: 'input' });
      const rank = x.dims.length;
      if (params.dim === null) {
        const dim = implicitDim(rank);
        ctx.warn({
          severity: 'warning',
          code: 'implicit_dim',
          port: 'input',
          message: `Implicit dimension choice for ${type.toLowerCase()} has been deprecated. Change the call to include dim=X as an argument.`,
          explanation: `With no dim, PyTorch normalises over dim ${dim} of this ${rank}-D input${rank === 3 ? ' — for [N, T, C] that is the batch, not the classes' : ''}.`,
          fixes: [
            {
              label: 'Set dim to -1 (the last dim)',
              intents: [{ kind: 'setParam', param: 'dim', value: -1 }],
            },
          ],
        });
      } else {
        const dim = normalizeDimIndex(params.dim, rank);
        if (typeof dim !== 'number') return [{ ...dim, port: 'input' }];
      }
      return [{ dtype: 'float32', dims: [...x.dims] }];
    },
    lower: (b, [x], params, shapes) =>
      b.op(op, [x], { dim: params.dim ?? implicitDim((shapes.inputs[0] ?? []).length) }),
    paramCount: () => 0,
    flops: ([x]) => (x ? 3 * numel(x.dims) : 0),
  });
}

export const Softmax = softmaxNode(
  'Softmax',
  'softmax',
  'y_i = e^{x_i} / Σ_j e^{x_j}  along dim',
  'Turns scores into probabilities along dim: positive, summing to one.',
  ['softmax', 'normalized exponential'],
);

export const LogSoftmax = softmaxNode(
  'LogSoftmax',
  'log_softmax',
  'y_i = x_i − log Σ_j e^{x_j}  along dim',
  'The log of softmax along dim, computed stably; feed it to NLLLoss.',
  ['log softmax', 'log_softmax'],
);
