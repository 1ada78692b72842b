import { type AffineLayout, moments, normalize } from '../backends/cpu/norm.ts';
import { zeros } from '../create.ts';
import { run } from '../dispatch.ts';
import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { mul, reshape, sumTo } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { floatFrom, floatTypeOf, isFloat, sizeOf, type Tensor, type TensorMeta } from '../tensor.ts';
import { normGradients } from './_norm.ts';

export interface BatchNormAttrs {
  training: boolean;
  momentum: number;
  eps: number;
}

const PARAMS = ['weight', 'bias', 'running_mean', 'running_var'] as const;

/** [N, C, *] seen as [N, C, S]: statistics per channel, over batch and space. */
function channelView(shape: readonly number[]): [number, number, number] {
  return [shape[0], shape[1], sizeOf(shape.slice(2))];
}

/** Weight and bias scale by channel q of the view. */
function channelAffine([, C, S]: readonly number[]): AffineLayout {
  return { groups: C, group_channels: 1, channel_size: S };
}

function torchSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}

/**
 * F.batch_norm. Training: normalise by the batch mean and biased variance, and return the
 * updated buffers as the outputs `running_mean` and `running_var` (which moves toward the
 * *unbiased* variance, as PyTorch does). Eval: normalise by the running statistics, which
 * are returned unchanged.
 */
export const batch_norm: OpDef<BatchNormAttrs> = defineOp<BatchNormAttrs>({
  name: 'batch_norm',
  kind: 'norm',
  inputs: [
    { name: 'x' },
    { name: 'weight', optional: true },
    { name: 'bias', optional: true },
    { name: 'running_mean', noGrad: true },
    { name: 'running_var', noGrad: true },
  ],
  outputs: ['output', 'running_mean', 'running_var'],
  defaults: { training: false, momentum: 0.1, eps: 1e-5 },
  shape(metas, { training, momentum, eps }) {
    const x = metas[0]!;
    const bad = metas.findIndex((m) => m && !isFloat(m.dtype));
    if (bad >= 0)
      return new DTypeError(
        'batch_norm',
        `expected float32 or float64 tensors, got ${metas[bad]!.dtype}`,
        bad,
      );
    if (x.shape.length < 2) {
      return new ShapeError('batch_norm', `batch_norm: expected input of shape [N, C, *], got [${x.shape}]`, [
        { input: 0, dim: 0 },
      ]);
    }
    if (typeof training !== 'boolean')
      return new AttrError('batch_norm', 'training', `must be a boolean, got ${training}`);
    if (!Number.isFinite(momentum))
      return new AttrError('batch_norm', 'momentum', `must be a number, got ${momentum}`);
    if (!(eps >= 0)) return new AttrError('batch_norm', 'eps', `must be a number >= 0, got ${eps}`);
    const C = x.shape[1];
    for (let i = 1; i < metas.length; i++) {
      const m = metas[i];
      if (m && sizeOf(m.shape) !== C) {
        // PyTorch's check_dims_match_num_input_features
        return new ShapeError(
          'batch_norm',
          `${PARAMS[i - 1]} should contain ${C} elements not ${sizeOf(m.shape)}`,
          [{ input: i, dim: 0 }],
        );
      }
    }
    const [N, , S] = channelView(x.shape);
    if (training && N * S === 1) {
      return new ShapeError(
        'batch_norm',
        `Expected more than 1 value per channel when training, got input size ${torchSize(x.shape)}`,
      );
    }
    const dtype = floatTypeOf(...metas);
    const stat: TensorMeta = { shape: [C], dtype };
    return [{ shape: [...x.shape], dtype }, stat, { ...stat }];
  },
  forward: {
    cpu([x, weight, bias, runningMean, runningVar], { training, momentum, eps }, [o]) {
      const view = channelView(x!.shape);
      const [P, Q, R] = view;
      const affine = channelAffine(view);
      const [w, b] = [weight?.data ?? null, bias?.data ?? null];
      const rm = runningMean!.data;
      const rv = runningVar!.data;
      if (!training) {
        const invstd = Array.from(rv, (v) => 1 / Math.sqrt(v + eps));
        const y = normalize(x!.data, { P, Q, R }, rm, invstd, w, b, affine, o.dtype);
        return [y, floatFrom(o.dtype, rm), floatFrom(o.dtype, rv)];
      }
      const m = moments(x!.data, { P, Q, R }, eps);
      const y = normalize(x!.data, { P, Q, R }, m.mean, m.invstd, w, b, affine, o.dtype);
      const unbiased = m.count / (m.count - 1);
      const newMean = floatFrom(
        o.dtype,
        Array.from(rm, (v, q) => (1 - momentum) * v + momentum * m.mean[q]),
      );
      const newVar = floatFrom(
        o.dtype,
        Array.from(rv, (v, q) => (1 - momentum) * v + momentum * m.variance[q] * unbiased),
      );
      return [y, newMean, newVar];
    },
  },
  vjp({ inputs: [x, weight, bias, runningMean, runningVar], needsGrad }, [dy], { training, eps }) {
    const view = channelView(x!.shape);
    if (training) {
      const grads = normGradients(x!, dy, weight, view, channelAffine(view), eps);
      return [
        grads.dx,
        needsGrad[1] ? reshape(grads.dweight, [...weight!.shape]) : null,
        needsGrad[2] ? reshape(grads.dbias, [...bias!.shape]) : null,
        null,
        null,
      ];
    }
    // Eval mode is affine in x: x̂ = (x − rm)·r and dx = dY·γ·r are both batch_norm itself
    // without weight and bias (for dx, with a zero running mean).
    const statShape = [1, view[1], 1];
    const dy3 = reshape(dy, view);
    const evalNorm = (t: Tensor, mean: Tensor) =>
      run('batch_norm', [t, null, null, mean, runningVar!], { eps });
    const channelSum = (t: Tensor, shape: readonly number[]) => reshape(sumTo(t, statShape), [...shape]);
    const g3 = weight ? mul(dy3, reshape(weight, statShape)) : dy3;
    return [
      needsGrad[0] ? reshape(evalNorm(g3, zeros([view[1]], x!.backend, x!.dtype)), [...x!.shape]) : null,
      needsGrad[1] ? channelSum(mul(dy3, evalNorm(reshape(x!, view), runningMean!)), weight!.shape) : null,
      needsGrad[2] ? channelSum(dy3, bias!.shape) : null,
      null,
      null,
    ];
  },
  formula: 'dX = (γ/σ)·(dY − mean(dY) − X̂·mean(dY·X̂)) (eval: γ·dY/σ_running), dγ = Σ dY·X̂, dβ = Σ dY',
});
