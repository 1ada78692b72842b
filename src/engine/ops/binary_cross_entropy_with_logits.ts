import { ShapeError } from '../errors.ts';
import type { OpDef } from '../op.ts';
import { broadcastShapes, sameShape } from '../shape.ts';
import { pointwiseLoss, type ReductionAttrs, torchSize } from './_loss.ts';

const NAME = 'binary_cross_entropy_with_logits';

/** softplus(−x) = −log σ(x) = max(−x, 0) + log(1 + e^−|x|): finite for logits of ±1000. */
function negLogSigmoid(x: number): number {
  return Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** `weight` and `pos_weight` must broadcast to the input's shape (pos_weight [C] over the last dim). */
function checkBroadcastsToInput(
  input: readonly number[],
  name: string,
  shape: readonly number[] | undefined,
) {
  if (!shape) return null;
  const b = broadcastShapes(input, shape, NAME);
  if (b instanceof ShapeError || sameShape(b, input)) return b instanceof ShapeError ? b : null;
  return new ShapeError(
    NAME,
    `${NAME}: ${name} ${torchSize(shape)} must broadcast to the input size ${torchSize(input)}`,
  );
}

/**
 * F.binary_cross_entropy_with_logits: w·((1 − y)·x + (1 + (pw − 1)·y)·softplus(−x)), which is
 * −w·(pw·y·log σ(x) + (1 − y)·log(1 − σ(x))) computed without overflow.
 */
const bceLogits = pointwiseLoss<ReductionAttrs>({
  name: NAME,
  extraInputs: ['weight', 'pos_weight'],
  defaults: { reduction: 'mean' },
  check([input, target, weight, posWeight]) {
    if (!sameShape(input!.shape, target!.shape)) {
      return new ShapeError(
        NAME,
        `Target size (${torchSize(target!.shape)}) must be the same as input size (${torchSize(input!.shape)})`,
        [{ input: 1, dim: 0 }],
      );
    }
    return (
      checkBroadcastsToInput(input!.shape, 'weight', weight?.shape) ??
      checkBroadcastsToInput(input!.shape, 'pos_weight', posWeight?.shape)
    );
  },
  loss: () => (x, y, w, pw) => w * ((1 - y) * x + (1 + (pw - 1) * y) * negLogSigmoid(x)),
  grad: () => (x, y, w, pw) => w * ((1 + (pw - 1) * y) * sigmoid(x) - pw * y),
  formula: '∂L/∂x = w·((1 + (pw − 1)·y)·σ(x) − pw·y)·g, g = dL/numel for mean',
});

export const binary_cross_entropy_with_logits: OpDef<ReductionAttrs> = bceLogits.forward;
export const binary_cross_entropy_with_logits_backward: OpDef<ReductionAttrs> = bceLogits.backward;
