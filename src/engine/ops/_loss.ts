import {
  type PointwiseFn,
  type PointwiseOperands,
  pointwiseLossBackward,
  pointwiseLossForward,
} from '../backends/cpu/loss.ts';
import { applyOp } from '../dispatch.ts';
import { AttrError, DTypeError, type OpError, ShapeError } from '../errors.ts';
import { type CpuTensor, defineOp, type InputSpec, type OpDef, out } from '../op.ts';
import { broadcastShapes, sameShape } from '../shape.ts';
import { floatTypeOf, isFloat, type Shape, sizeOf, type TensorMeta } from '../tensor.ts';

export type Reduction = 'none' | 'mean' | 'sum';

export interface ReductionAttrs {
  reduction: Reduction;
}

const REDUCTIONS: readonly string[] = ['none', 'mean', 'sum'];

/** `reduction` is one of `allowed` (PyTorch: "<value> is not a valid value for reduction"). */
export function checkReduction(op: string, reduction: unknown, allowed = REDUCTIONS): AttrError | null {
  if (typeof reduction === 'string' && allowed.includes(reduction)) return null;
  return new AttrError(
    op,
    'reduction',
    `${JSON.stringify(reduction)} is not a valid value for reduction (expected ${allowed.map((r) => `'${r}'`).join(', ')})`,
  );
}

/** A numeric attribute that must be a finite number. */
export function checkFinite(op: string, attr: string, value: unknown): AttrError | null {
  return typeof value === 'number' && Number.isFinite(value)
    ? null
    : new AttrError(op, attr, `must be a finite number, got ${JSON.stringify(value)}`);
}

/** How PyTorch prints a shape inside Python-side messages: `torch.Size([3, 4])`. */
export function torchSize(shape: Shape): string {
  return `torch.Size([${shape.join(', ')}])`;
}

/** Every present input named in `names` holds float (float32 or float64) values. */
export function checkFloat(op: string, metas: (TensorMeta | null)[], specs: InputSpec[]): DTypeError | null {
  for (let i = 0; i < metas.length; i++) {
    const m = metas[i];
    if (m && !isFloat(m.dtype)) {
      return new DTypeError(op, `${specs[i].name} must be a float32 or float64 tensor, got ${m.dtype}`, i);
    }
  }
  return null;
}

/** The shape every operand broadcasts to, or PyTorch's broadcast error. */
function broadcastAll(op: string, metas: (TensorMeta | null)[]): number[] | ShapeError {
  let shape: number[] = [...metas[0]!.shape];
  for (const m of metas.slice(1)) {
    if (!m) continue;
    const next = broadcastShapes(shape, m.shape, op);
    if (next instanceof ShapeError) return next;
    shape = next;
  }
  return shape;
}

/** Loss attrs may carry 'batchmean' (kl_div); the kernels see it as one more reduction. */
type AnyReduction = Reduction | 'batchmean';

/** What 'mean' and 'batchmean' divide the summed loss by. */
function divisorOf(reduction: AnyReduction, input: Shape, elements: Shape): number {
  if (reduction === 'batchmean') return input.length === 0 ? 1 : input[0];
  return sizeOf(elements);
}

export interface PointwiseLossSpec<A extends { reduction: AnyReduction }> {
  name: string;
  /** inputs after `input` and `target` (weight, pos_weight), all optional and without gradient */
  extraInputs?: string[];
  defaults: A;
  reductions?: readonly string[];
  /** attribute checks and the op's own shape rules (PyTorch's messages), run before broadcasting */
  check?(metas: (TensorMeta | null)[], attrs: A): OpError | null;
  /** ℓ(x, y, w, pw) for one element, and ∂ℓ/∂x */
  loss(attrs: A): PointwiseFn;
  grad(attrs: A): PointwiseFn;
  formula: string;
}

/**
 * A loss computed element by element over the broadcast shape of its operands, then reduced.
 * Makes the forward op and its backward op (`<name>_backward`, inputs grad_output then the
 * forward's inputs), each with a direct CPU kernel; the forward's vjp runs the backward op.
 */
export function pointwiseLoss<A extends { reduction: AnyReduction }>(
  spec: PointwiseLossSpec<A>,
): { forward: OpDef<A>; backward: OpDef<A> } {
  const inputs: InputSpec[] = [
    { name: 'input' },
    { name: 'target', noGrad: true },
    ...(spec.extraInputs ?? []).map((name) => ({ name, optional: true, noGrad: true })),
  ];
  const operands = (ts: (CpuTensor | null)[]): PointwiseOperands => {
    const named = new Map(inputs.map((s, i) => [s.name, ts[i] ?? null]));
    return { input: ts[0]!, target: ts[1]!, weight: named.get('weight'), posWeight: named.get('pos_weight') };
  };
  const elementShape = (metas: (TensorMeta | null)[], attrs: A): number[] | OpError => {
    const problem =
      checkReduction(spec.name, attrs.reduction, spec.reductions) ??
      checkFloat(spec.name, metas, inputs) ??
      spec.check?.(metas, attrs);
    return problem ?? broadcastAll(spec.name, metas);
  };
  const backwardName = `${spec.name}_backward`;

  const backward = defineOp<A>({
    name: backwardName,
    kind: 'backward',
    inputs: [{ name: 'grad_output' }, ...inputs],
    defaults: spec.defaults,
    shape([gradOutput, ...metas], attrs) {
      const shape = elementShape(metas, attrs);
      if (!Array.isArray(shape)) return shape;
      const want = attrs.reduction === 'none' ? shape : [];
      if (!sameShape(gradOutput!.shape, want)) {
        return new ShapeError(
          backwardName,
          `${backwardName}: grad_output [${gradOutput!.shape}] must have shape [${want}]`,
        );
      }
      return out(metas[0]!.shape, floatTypeOf(gradOutput, ...metas));
    },
    forward: {
      cpu: ([gradOutput, ...ts], attrs, [o]) => {
        const shape = broadcastAll(spec.name, ts) as number[];
        const divisor = divisorOf(attrs.reduction, ts[0]!.shape, shape);
        const grad = spec.grad(attrs);
        return [
          pointwiseLossBackward(gradOutput!, operands(ts), shape, attrs.reduction, divisor, grad, o.dtype),
        ];
      },
    },
    formula: spec.formula,
  });

  const forward = defineOp<A>({
    name: spec.name,
    kind: 'loss',
    inputs,
    defaults: spec.defaults,
    shape(metas, attrs) {
      const shape = elementShape(metas, attrs);
      if (!Array.isArray(shape)) return shape;
      return out(attrs.reduction === 'none' ? shape : [], floatTypeOf(...metas));
    },
    forward: {
      cpu: (ts, attrs, [o]) => {
        const shape = broadcastAll(spec.name, ts) as number[];
        const divisor = divisorOf(attrs.reduction, ts[0]!.shape, shape);
        const loss = spec.loss(attrs);
        return [pointwiseLossForward(operands(ts), shape, attrs.reduction, divisor, loss, o.dtype)];
      },
    },
    vjp: ({ inputs: given, needsGrad }, [dOut], attrs) => [
      needsGrad[0] ? applyOp(backward, [dOut, ...given], attrs)[0] : null,
      ...given.slice(1).map(() => null),
    ],
    formula: spec.formula,
  });

  return { forward, backward };
}
