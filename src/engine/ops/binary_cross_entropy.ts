import { OpError, ShapeError } from '../errors.ts';
import type { OpDef } from '../op.ts';
import { broadcastShapes, sameShape } from '../shape.ts';
import { pointwiseLoss, type ReductionAttrs, torchSize } from './_loss.ts';

/** PyTorch clamps each log term at −100 so a probability of exactly 0 or 1 costs at most 100. */
const LOG_FLOOR = -100;
/** ...and keeps the gradient's denominator x(1 − x) at least this large. */
const EPSILON = 1e-12;

/**
 * F.binary_cross_entropy on probabilities x ∈ [0, 1]: −w·(y·log x + (1 − y)·log(1 − x)),
 * `weight` broadcast to the input's shape.
 */
const bce = pointwiseLoss<ReductionAttrs>({
  name: 'binary_cross_entropy',
  extraInputs: ['weight'],
  defaults: { reduction: 'mean' },
  check([input, target, weight]) {
    if (!sameShape(input!.shape, target!.shape)) {
      return new ShapeError(
        'binary_cross_entropy',
        `Using a target size (${torchSize(target!.shape)}) that is different to the input size (${torchSize(input!.shape)}) is deprecated. Please ensure they have the same size.`,
        [{ input: 1, dim: 0 }],
      );
    }
    if (!weight) return null;
    const shape = broadcastShapes(target!.shape, weight.shape, 'binary_cross_entropy');
    if (shape instanceof ShapeError || sameShape(shape, input!.shape))
      return shape instanceof ShapeError ? shape : null;
    return new ShapeError(
      'binary_cross_entropy',
      `binary_cross_entropy: weight ${torchSize(weight.shape)} must broadcast to the input size ${torchSize(input!.shape)}`,
    );
  },
  loss: () => (x, y, w) => {
    if (!(x >= 0 && x <= 1))
      throw new OpError('value', 'binary_cross_entropy', 'all elements of input should be between 0 and 1');
    return -w * (y * Math.max(Math.log(x), LOG_FLOOR) + (1 - y) * Math.max(Math.log1p(-x), LOG_FLOOR));
  },
  grad: () => (x, y, w) => (w * (x - y)) / Math.max(x * (1 - x), EPSILON),
  formula: '∂L/∂x = w·(x − y) / max(x(1 − x), 1e−12)·g, g = dL/numel for mean',
});

export const binary_cross_entropy: OpDef<ReductionAttrs> = bce.forward;
export const binary_cross_entropy_backward: OpDef<ReductionAttrs> = bce.backward;
