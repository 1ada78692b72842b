import { type ClassLossArgs, classLossBackward, classLossForward } from '../backends/cpu/loss.ts';
import { applyOp } from '../dispatch.ts';
import { AttrError, DTypeError, type OpError, ShapeError } from '../errors.ts';
import { type CpuTensor, defineOp, type InputSpec, type OpDef, out } from '../op.ts';
import { sameShape } from '../shape.ts';
import { floatTypeOf, formatShape, isFloat, type Shape, type TensorMeta } from '../tensor.ts';
import { checkReduction, type Reduction } from './_loss.ts';

export interface ClassLossAttrs {
  reduction: Reduction;
  /** targets equal to this add 0 and are left out of the mean */
  ignore_index: number;
  /** cross_entropy only: ε, mixing the target with the uniform distribution */
  label_smoothing?: number;
}

const INPUTS: InputSpec[] = [
  { name: 'input' },
  { name: 'target', noGrad: true },
  { name: 'weight', optional: true, noGrad: true },
];

const dims = (s: Shape) => formatShape(s);

/**
 * The target rules of nll_loss_nd in PyTorch 1.13, with its messages: class indices
 * [N, d1, …] for input [N, C, d1, …], or a 0-d index for an unbatched input [C].
 */
function checkIndexTarget(op: string, input: Shape, target: Shape): ShapeError | null {
  const fail = (message: string) => new ShapeError(op, message, [{ input: 1, dim: 0 }]);
  if (input.length === 1) {
    if (target.length === 0) return null;
    if (target.length > 1) return fail('0D or 1D target tensor expected, multi-target not supported');
    return fail(`size mismatch (got input: ${dims(input)}, target: ${dims(target)})`);
  }
  const expected = [input[0], ...input.slice(2)];
  if (target.length === 0) return fail(`Expected target size ${dims(expected)}, got ${dims(target)}`);
  if (input[0] !== target[0]) {
    return fail(`Expected input batch_size (${input[0]}) to match target batch_size (${target[0]}).`);
  }
  if (input.length === 2) {
    return target.length === 1 ? null : fail('0D or 1D target tensor expected, multi-target not supported');
  }
  if (input.length === 4 && target.length !== 3) {
    return fail(
      `only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target.length}`,
    );
  }
  if (sameShape(target, expected)) return null;
  return input.length === 4
    ? fail(`size mismatch (got input: ${dims(input)} , target: ${dims(target)}`)
    : fail(`Expected target size ${dims(expected)}, got ${dims(target)}`);
}

function checkAttrs(op: string, attrs: ClassLossAttrs): AttrError | null {
  const reduction = checkReduction(op, attrs.reduction);
  if (reduction) return reduction;
  if (!Number.isInteger(attrs.ignore_index)) {
    return new AttrError(op, 'ignore_index', `must be an integer, got ${JSON.stringify(attrs.ignore_index)}`);
  }
  const eps = attrs.label_smoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) {
    return new AttrError(op, 'label_smoothing', `must be between 0.0 and 1.0. Got: ${JSON.stringify(eps)}`);
  }
  return null;
}

/**
 * Shape rule of a class loss; the per-element output drops the class dim. `probabilities`
 * allows a float target of the input's own shape (cross_entropy), told apart by shape as
 * PyTorch does.
 */
function classLossShape(
  op: string,
  [input, target, weight]: (TensorMeta | null)[],
  attrs: ClassLossAttrs,
  probabilities: boolean,
): TensorMeta[] | OpError {
  const attrError = checkAttrs(op, attrs);
  if (attrError) return attrError;
  if (!isFloat(input!.dtype))
    return new DTypeError(op, `input must be a float32 or float64 tensor, got ${input!.dtype}`, 0);
  if (input!.shape.length === 0)
    return new ShapeError(op, 'Expected 1 or more dimensions (got 0)', [{ input: 0, dim: 0 }]);
  const byProbability = probabilities && sameShape(input!.shape, target!.shape);
  if (byProbability && !isFloat(target!.dtype)) {
    return new DTypeError(
      op,
      'Expected floating point type for target with class probabilities, got Long',
      1,
    );
  }
  if (byProbability && attrs.ignore_index >= 0) {
    return new AttrError(
      op,
      'ignore_index',
      `is not supported for floating point target (got ${attrs.ignore_index})`,
    );
  }
  if (!byProbability) {
    if (target!.dtype !== 'int32') return new DTypeError(op, 'expected scalar type Long but found Float', 1);
    const shapeError = checkIndexTarget(op, input!.shape, target!.shape);
    if (shapeError) return shapeError;
  }
  const classes = input!.shape.length === 1 ? input!.shape[0] : input!.shape[1];
  if (weight) {
    if (!isFloat(weight.dtype))
      return new DTypeError(op, `weight must be a float32 or float64 tensor, got ${weight.dtype}`, 2);
    if (weight.shape.length !== 1 || weight.shape[0] !== classes) {
      return new ShapeError(
        op,
        `${byProbability ? 'cross_entropy: ' : ''}weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${dims(weight.shape)}`,
        [{ input: 2, dim: 0 }],
      );
    }
  }
  const perElement = input!.shape.length === 1 ? [] : [input!.shape[0], ...input!.shape.slice(2)];
  // an int target (class indices) doesn't count towards the float type
  return out(attrs.reduction === 'none' ? perElement : [], floatTypeOf(input, target, weight));
}

export interface ClassLossSpec {
  name: string;
  /** the input is logits (log_softmax taken inside) rather than log-probabilities */
  logits: boolean;
  /** a float target of the input's shape is read as class probabilities */
  probabilityTargets: boolean;
  defaults: ClassLossAttrs;
  formula: string;
  backwardFormula: string;
}

/**
 * A loss over class scores, with a direct CPU kernel and a backward op `<name>_backward`
 * (inputs grad_output, input, target, weight) that a GPU backend can run as one fused kernel.
 */
export function classLoss(spec: ClassLossSpec): {
  forward: OpDef<ClassLossAttrs>;
  backward: OpDef<ClassLossAttrs>;
} {
  const { name, logits, probabilityTargets } = spec;
  const args = (
    [input, target, weight]: (CpuTensor | null)[],
    attrs: ClassLossAttrs,
    o: TensorMeta,
  ): ClassLossArgs => ({
    op: name,
    input: input!,
    target: target!,
    weight,
    reduction: attrs.reduction,
    ignoreIndex: attrs.ignore_index,
    // label smoothing is cross_entropy's; nll_loss has no such attr
    labelSmoothing: logits ? (attrs.label_smoothing ?? 0) : 0,
    logits,
    dtype: o.dtype,
  });

  const backward = defineOp<ClassLossAttrs>({
    name: `${name}_backward`,
    kind: 'backward',
    inputs: [{ name: 'grad_output' }, ...INPUTS],
    defaults: spec.defaults,
    shape([gradOutput, ...metas], attrs) {
      const forward = classLossShape(name, metas, attrs, probabilityTargets);
      if (!Array.isArray(forward)) return forward;
      if (!sameShape(gradOutput!.shape, forward[0].shape)) {
        return new ShapeError(
          `${name}_backward`,
          `${name}_backward: grad_output ${dims(gradOutput!.shape)} must have the loss's shape ${dims(forward[0].shape)}`,
        );
      }
      return out(metas[0]!.shape, floatTypeOf(gradOutput, ...metas));
    },
    forward: {
      cpu: ([gradOutput, ...ts], attrs, [o]) => [classLossBackward(gradOutput!, args(ts, attrs, o))],
    },
    formula: spec.backwardFormula,
  });

  const forward = defineOp<ClassLossAttrs>({
    name,
    kind: 'loss',
    inputs: INPUTS,
    defaults: spec.defaults,
    shape: (metas, attrs) => classLossShape(name, metas, attrs, probabilityTargets),
    forward: { cpu: (ts, attrs, [o]) => [classLossForward(args(ts, attrs, o))] },
    vjp: ({ inputs, needsGrad }, [dOut], attrs) => [
      needsGrad[0] ? applyOp(backward, [dOut, ...inputs], attrs)[0] : null,
      null,
      null,
    ],
    formula: spec.formula,
  });

  return { forward, backward };
}
