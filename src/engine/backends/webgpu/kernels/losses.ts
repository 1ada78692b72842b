import type { ClassLossAttrs } from '../../../ops/_class_loss.ts';
import { broadcastShapes } from '../../../shape.ts';
import { type Shape, sizeOf } from '../../../tensor.ts';
import { broadcastStrides } from '../../cpu/elementwise.ts';
import { f32Bits, type GpuRuntime, type GpuStorage } from '../runtime.ts';
import { type ValueErrorName, valueErrorCode } from '../value-errors.ts';
import { binaryInto } from './elementwise.ts';
import { reduceInto } from './reduce.ts';
import type { GpuKernel, GpuTensor } from './types.ts';

type Operand = { storage: GpuStorage; shape: Shape };

/** Operand values a loss refuses, as a WGSL condition in v0..v4, and the error to report. */
export interface ValueCheck {
  when: string;
  error: ValueErrorName;
}

/** out = f(v0..v4) over `shape`, each operand broadcast (gpu/nary.wgsl); missing ones read 1. */
export function naryInto(
  rt: GpuRuntime,
  label: string,
  expr: string,
  operands: (Operand | null)[],
  out: GpuStorage,
  shape: Shape,
  params: number[] = [],
  check?: ValueCheck,
): void {
  const one: Operand = { storage: rt.constant(1), shape: [] };
  const slots = Array.from({ length: 5 }, (_, i) => operands[i] ?? one);
  const [p0 = 0, p1 = 0] = params;
  rt.dispatch({
    kernel: 'nary',
    defines: {
      EXPR: expr,
      CHECK: check?.when ?? 'false',
      ERROR_CODE: check ? valueErrorCode(check.error) : 0,
    },
    reportsErrors: true,
    meta: [
      sizeOf(shape),
      shape.length,
      f32Bits(p0),
      f32Bits(p1),
      ...shape,
      ...slots.flatMap((s) => broadcastStrides(s.shape, shape)),
    ],
    inputs: slots.map((s) => s.storage),
    outputs: [out],
    threads: sizeOf(shape),
    label,
  });
}

type Reduction = 'none' | 'mean' | 'sum' | 'batchmean';

/** ℓ and ∂ℓ/∂x in x = v0, y = v1, w = v2, pw = v3 (absent weights read 1), attr as p0. */
interface PointwiseLossExprs<A> {
  loss: string | ((attrs: A) => string);
  grad: string | ((attrs: A) => string);
  param?: (attrs: A) => number;
  /** inputs the forward refuses (reported at the next read) */
  check?: ValueCheck;
}

const pick = <A>(e: string | ((attrs: A) => string), attrs: A) => (typeof e === 'string' ? e : e(attrs));

function elementShape(inputs: (GpuTensor | null)[]): number[] {
  return inputs.reduce<number[]>((s, t) => (t ? (broadcastShapes(s, t.shape) as number[]) : s), []);
}

function divisor(reduction: Reduction, input: Shape, elements: Shape): number {
  if (reduction === 'batchmean') return input.length === 0 ? 1 : input[0];
  return sizeOf(elements);
}

/** Forward and backward kernels of a loss computed element by element, then reduced. */
export function pointwiseLossKernels<A extends { reduction: Reduction }>(
  exprs: PointwiseLossExprs<A>,
): { forward: GpuKernel<A>; backward: GpuKernel<A> } {
  const forward: GpuKernel<A> = ({ rt, op, inputs, attrs, output }) => {
    const shape = elementShape(inputs);
    const param = exprs.param?.(attrs) ?? 0;
    const y = output();
    if (attrs.reduction === 'none') {
      naryInto(rt, op, pick(exprs.loss, attrs), inputs, y, shape, [param], exprs.check);
      return [y];
    }
    const perElement = rt.scratch(sizeOf(shape), op);
    naryInto(rt, op, pick(exprs.loss, attrs), inputs, perElement, shape, [param], exprs.check);
    const scale = attrs.reduction === 'sum' ? 1 : 1 / divisor(attrs.reduction, inputs[0]!.shape, shape);
    reduceInto(rt, op, { storage: perElement, shape }, new Set(shape.keys()), y, 'sum', scale);
    rt.release(perElement);
    return [y];
  };
  const backward: GpuKernel<A> = ({ rt, op, inputs: [gradOutput, ...inputs], attrs, output }) => {
    const shape = elementShape(inputs);
    const param = exprs.param?.(attrs) ?? 0;
    const input = inputs[0]!;
    const scale =
      attrs.reduction === 'mean' || attrs.reduction === 'batchmean'
        ? 1 / divisor(attrs.reduction, input.shape, shape)
        : 1;
    const operands = [inputs[0], inputs[1], inputs[2] ?? null, inputs[3] ?? null, gradOutput];
    const expr = `(${pick(exprs.grad, attrs)}) * v4 * p1`;
    const dx = output();
    if (sizeOf(input.shape) === sizeOf(shape)) {
      naryInto(rt, op, expr, operands, dx, shape, [param, scale]);
      return [dx];
    }
    // the input was broadcast against the target: sum its gradient back to its own shape
    const full = rt.scratch(sizeOf(shape), op);
    naryInto(rt, op, expr, operands, full, shape, [param, scale]);
    const offset = shape.length - input.shape.length;
    const reduced = new Set(
      shape.map((_, d) => d).filter((d) => d < offset || (input.shape[d - offset] === 1 && shape[d] !== 1)),
    );
    reduceInto(rt, op, { storage: full, shape }, reduced, dx, 'sum');
    rt.release(full);
    return [dx];
  };
  return { forward, backward };
}

// PyTorch clamps each log term of binary_cross_entropy at −100
const BCE_LOG = (p: string) => `select(max(log(${p}), -100.0), -100.0, ${p} <= 0.0)`;

const mse = pointwiseLossKernels({ loss: '(v0 - v1) * (v0 - v1)', grad: '2.0 * (v0 - v1)' });
const l1 = pointwiseLossKernels({ loss: 'abs(v0 - v1)', grad: 'sign(v0 - v1)' });
const smoothL1 = pointwiseLossKernels<{ reduction: Reduction; beta: number }>({
  loss: 'select(abs(v0 - v1) - 0.5 * p0, 0.5 * (v0 - v1) * (v0 - v1) / p0, abs(v0 - v1) < p0)',
  grad: 'select(sign(v0 - v1), (v0 - v1) / p0, abs(v0 - v1) < p0)',
  param: (a) => a.beta,
});
const huber = pointwiseLossKernels<{ reduction: Reduction; delta: number }>({
  loss: 'select(p0 * (abs(v0 - v1) - 0.5 * p0), 0.5 * (v0 - v1) * (v0 - v1), abs(v0 - v1) < p0)',
  grad: 'select(p0 * sign(v0 - v1), v0 - v1, abs(v0 - v1) < p0)',
  param: (a) => a.delta,
});
const bce = pointwiseLossKernels({
  loss: `-v2 * (v1 * ${BCE_LOG('v0')} + (1.0 - v1) * ${BCE_LOG('(1.0 - v0)')})`,
  grad: 'v2 * (v0 - v1) / max(v0 * (1.0 - v0), 1e-12)',
  check: { when: '!(v0 >= 0.0 && v0 <= 1.0) || is_nan(v0)', error: 'bce_input' },
});
const bceLogits = pointwiseLossKernels({
  loss: 'v2 * ((1.0 - v1) * v0 + (1.0 + (v3 - 1.0) * v1) * softplus(-v0))',
  grad: 'v2 * ((1.0 + (v3 - 1.0) * v1) * sigmoid_safe(v0) - v3 * v1)',
});
const klDiv = pointwiseLossKernels<{ reduction: Reduction; log_target: boolean }>({
  loss: (a) => (a.log_target ? 'exp(v1) * (v1 - v0)' : 'select(v1 * log(v1), 0.0, v1 == 0.0) - v1 * v0'),
  grad: (a) => (a.log_target ? '-exp(v1)' : '-v1'),
});

/** The row layout of a class loss: rows are (n, d…) positions, C classes `stride` apart. */
function classLayout(input: GpuTensor) {
  const unbatched = input.shape.length === 1;
  const classes = unbatched ? input.shape[0] : input.shape[1];
  const stride = unbatched ? 1 : sizeOf(input.shape.slice(2));
  const rows = unbatched ? 1 : input.shape[0] * stride;
  return { classes, stride, rows };
}

function classParams(
  input: GpuTensor,
  target: GpuTensor,
  weight: GpuTensor | null,
  attrs: ClassLossAttrs,
  logits: boolean,
) {
  const { classes, stride, rows } = classLayout(input);
  const eps = logits ? (attrs.label_smoothing ?? 0) : 0;
  const byIndex = target.dtype === 'int32' ? 1 : 0;
  return {
    rows,
    meta: [
      rows,
      classes,
      stride,
      logits ? 1 : 0,
      byIndex,
      weight ? 1 : 0,
      attrs.ignore_index >>> 0,
      f32Bits(eps),
      attrs.reduction === 'none' ? 1 : 0,
      valueErrorCode(logits ? 'cross_entropy_target' : 'nll_loss_target'),
    ],
  };
}

/** Per-row losses and 'mean' shares (gpu/class_loss.wgsl). */
function classRows(
  rt: GpuRuntime,
  op: string,
  [input, target, weight]: (GpuTensor | null)[],
  attrs: ClassLossAttrs,
  logits: boolean,
) {
  const { rows, meta } = classParams(input!, target!, weight, attrs, logits);
  const losses = rt.scratch(rows, op);
  const shares = rt.scratch(rows, op);
  rt.dispatch({
    kernel: 'class_loss',
    meta,
    reportsErrors: true,
    inputs: [input!.storage, target!.storage, weight?.storage ?? rt.constant(1)],
    outputs: [losses, shares],
    threads: rows * 64,
    workgroupSize: 64,
    label: op,
  });
  return { rows, losses, shares };
}

/** Σ over a [rows] buffer into a one-element one. */
function total(rt: GpuRuntime, op: string, values: GpuStorage, rows: number, out: GpuStorage): void {
  reduceInto(rt, op, { storage: values, shape: [rows] }, new Set([0]), out, 'sum');
}

/** cross_entropy / nll_loss: the fused per-row kernel, then the reduction. */
export function classLossKernels(logits: boolean): {
  forward: GpuKernel<ClassLossAttrs>;
  backward: GpuKernel<ClassLossAttrs>;
} {
  const forward: GpuKernel<ClassLossAttrs> = ({ rt, op, inputs, attrs, output }) => {
    const { rows, losses, shares } = classRows(rt, op, inputs, attrs, logits);
    if (attrs.reduction === 'none') {
      rt.release(shares);
      return [losses];
    }
    const y = output();
    if (attrs.reduction === 'sum') {
      total(rt, op, losses, rows, y);
    } else {
      // 'mean' divides by Σ shares (Σ w[y] over counted rows); none counted gives 0/0 = NaN
      const sumLoss = rt.scratch(1, op);
      const sumShare = rt.scratch(1, op);
      total(rt, op, losses, rows, sumLoss);
      total(rt, op, shares, rows, sumShare);
      binaryInto(rt, op, 'a / b', { storage: sumLoss, shape: [] }, { storage: sumShare, shape: [] }, y, []);
      rt.release(sumLoss);
      rt.release(sumShare);
    }
    rt.release(losses);
    rt.release(shares);
    return [y];
  };
  const backward: GpuKernel<ClassLossAttrs> = ({
    rt,
    op,
    inputs: [gradOutput, input, target, weight],
    attrs,
    output,
  }) => {
    const dz = output();
    let grad = rt.share(gradOutput!.storage);
    if (attrs.reduction === 'mean') {
      const { rows, losses, shares } = classRows(rt, op, [input, target, weight], attrs, logits);
      const sumShare = rt.scratch(1, op);
      total(rt, op, shares, rows, sumShare);
      rt.release(grad);
      grad = rt.scratch(1, op);
      binaryInto(
        rt,
        op,
        'a / b',
        { storage: gradOutput!.storage, shape: [] },
        { storage: sumShare, shape: [] },
        grad,
        [],
      );
      for (const s of [losses, shares, sumShare]) rt.release(s);
    }
    const { rows, meta } = classParams(input!, target!, weight ?? null, attrs, logits);
    rt.dispatch({
      kernel: 'class_loss_backward',
      meta,
      reportsErrors: true,
      inputs: [input!.storage, target!.storage, weight?.storage ?? rt.constant(1), grad],
      outputs: [dz],
      threads: rows * 64,
      workgroupSize: 64,
      label: op,
    });
    rt.release(grad);
    return [dz];
  };
  return { forward, backward };
}

const crossEntropy = classLossKernels(true);
const nll = classLossKernels(false);

export const lossKernels = {
  mse_loss: mse.forward,
  mse_loss_backward: mse.backward,
  l1_loss: l1.forward,
  l1_loss_backward: l1.backward,
  smooth_l1_loss: smoothL1.forward,
  smooth_l1_loss_backward: smoothL1.backward,
  huber_loss: huber.forward,
  huber_loss_backward: huber.backward,
  binary_cross_entropy: bce.forward,
  binary_cross_entropy_backward: bce.backward,
  binary_cross_entropy_with_logits: bceLogits.forward,
  binary_cross_entropy_with_logits_backward: bceLogits.backward,
  kl_div: klDiv.forward,
  kl_div_backward: klDiv.backward,
  cross_entropy: crossEntropy.forward,
  cross_entropy_backward: crossEntropy.backward,
  nll_loss: nll.forward,
  nll_loss_backward: nll.backward,
};
