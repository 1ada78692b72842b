/** Shared by the loss nodes: the reduction param and the input-vs-target shape rule. */

import type { InferContext } from '../define.ts';
import { p } from '../params.ts';
import { broadcastDims, formatDims } from '../shapes.ts';
import type { Dim, ShapeIssue, TensorType } from '../types.ts';
import { fail } from './checks.ts';

export const reductionParam = () =>
  p.enum(['mean', 'sum', 'none'], {
    default: 'mean',
    doc: 'mean: average over elements; sum; none: one loss per element',
  });

const torchSize = (dims: readonly Dim[]) => `torch.Size(${formatDims(dims)})`;

/**
 * Elementwise losses compare input and target element by element. PyTorch broadcasts a target
 * of another shape with a warning — the (N) vs (N, 1) trap — so the node warns too.
 */
export function pairShape(x: TensorType, y: TensorType, ctx: InferContext): Dim[] | ShapeIssue[] {
  const same = x.dims.length === y.dims.length && x.dims.every((d, i) => d === y.dims[i]);
  if (same) return [...x.dims];
  const dims = broadcastDims(x.dims, y.dims, ctx);
  if (!Array.isArray(dims)) return [{ ...dims, port: 'target' }];
  const equalAfterUnify =
    x.dims.length === y.dims.length &&
    dims.length === x.dims.length &&
    x.dims.every((d, i) => ctx.resolve(d) === ctx.resolve(y.dims[i]));
  if (!equalAfterUnify) {
    ctx.warn({
      severity: 'warning',
      code: 'target_size',
      port: 'target',
      message: `Using a target size (${torchSize(y.dims)}) that is different to the input size (${torchSize(x.dims)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`,
      explanation: `input ${formatDims(x.dims)} and target ${formatDims(y.dims)} broadcast to ${formatDims(dims)}: every input is compared with every target.`,
      fixes: [
        {
          label: 'Reshape the target to the input’s shape',
          intents: [{ kind: 'insertBefore', port: 'target', nodeType: 'Reshape', params: { shape: x.dims } }],
        },
      ],
    });
  }
  return dims;
}

/** A loss's output: a scalar, or the per-element shape with reduction 'none'. */
export const lossOutput = (reduction: string, dims: Dim[]): TensorType[] => [
  { dtype: 'float32', dims: reduction === 'none' ? dims : [] },
];

export const needBoth = (type: string, x: TensorType | null, y: TensorType | null): ShapeIssue[] =>
  !x
    ? fail('missing_input', `${type} needs an input`, { port: 'input' })
    : !y
      ? fail('missing_input', `${type} needs a target`, { port: 'target' })
      : [];
