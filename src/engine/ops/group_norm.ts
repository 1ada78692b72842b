import { type AffineLayout, moments, normalize } from '../backends/cpu/norm.ts';
import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { reshape } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { floatTypeOf, isFloat, type Shape, sizeOf } from '../tensor.ts';
import { normGradients } from './_norm.ts';

export interface GroupNormAttrs {
  num_groups: number;
  eps: number;
}

const list = (s: Shape) => `[${s.join(', ')}]`;

/**
 * x [N, C, *] as [1, N·G, (C/G)·S] for the statistics; weight and bias scale channel
 * (row mod G)·(C/G) + ⌊r/S⌋.
 */
function views(x: Shape, groups: number): { groups: number[]; affine: AffineLayout } {
  const [N, C] = x;
  const S = sizeOf(x.slice(2));
  return {
    groups: [1, N * groups, (C / groups) * S],
    affine: { groups, group_channels: C / groups, channel_size: S },
  };
}

/** F.group_norm: statistics per sample and group of C/G channels; weight/bias (optional) per channel. */
export const group_norm: OpDef<GroupNormAttrs> = defineOp<GroupNormAttrs>({
  name: 'group_norm',
  kind: 'norm',
  inputs: [{ name: 'x' }, { name: 'weight', optional: true }, { name: 'bias', optional: true }],
  defaults: { eps: 1e-5 },
  shape([x, weight, bias], { num_groups, eps }) {
    const metas = [x, weight, bias];
    const bad = metas.findIndex((m) => m && !isFloat(m.dtype));
    if (bad >= 0)
      return new DTypeError(
        'group_norm',
        `expected float32 or float64 tensors, got ${metas[bad]!.dtype}`,
        bad,
      );
    if (!Number.isInteger(num_groups) || num_groups < 1) {
      return new AttrError('group_norm', 'num_groups', `must be a positive integer, got ${num_groups}`);
    }
    if (!(eps >= 0)) return new AttrError('group_norm', 'eps', `must be a number >= 0, got ${eps}`);
    const shape = x!.shape;
    if (shape.length < 2) {
      return new ShapeError(
        'group_norm',
        `Expected at least 2 dimensions for input tensor but received ${shape.length}`,
      );
    }
    if (shape[1] % num_groups !== 0) {
      return new ShapeError(
        'group_norm',
        `Expected number of channels in input to be divisible by num_groups, but got input of shape ${list(shape)} and num_groups=${num_groups}`,
        [{ input: 0, dim: 1 }],
      );
    }
    for (const [i, name, m] of [
      [1, 'weight', weight],
      [2, 'bias', bias],
    ] as const) {
      if (m && (m.shape.length !== 1 || m.shape[0] !== shape[1])) {
        return new ShapeError(
          'group_norm',
          `Expected ${name} to be a vector of size equal to the number of channels in input, but got ${name} of shape ${list(m.shape)} and input of shape ${list(shape)}`,
          [{ input: i, dim: 0 }],
        );
      }
    }
    return [{ shape: [...shape], dtype: floatTypeOf(...metas) }];
  },
  forward: {
    cpu([x, weight, bias], { num_groups, eps }, [o]) {
      const { groups: view, affine } = views(x!.shape, num_groups);
      const [P, Q, R] = view;
      const m = moments(x!.data, { P, Q, R }, eps);
      const [w, b] = [weight?.data ?? null, bias?.data ?? null];
      return [normalize(x!.data, { P, Q, R }, m.mean, m.invstd, w, b, affine, o.dtype)];
    },
  },
  vjp({ inputs: [x, weight, bias], needsGrad }, [dy], { num_groups, eps }) {
    const { groups: view, affine } = views(x!.shape, num_groups);
    const grads = normGradients(x!, dy, weight, view, affine, eps);
    return [
      needsGrad[0] ? grads.dx : null,
      needsGrad[1] ? reshape(grads.dweight, [...weight!.shape]) : null,
      needsGrad[2] ? reshape(grads.dbias, [...bias!.shape]) : null,
    ];
  },
  formula: 'dX = (1/σ)·(dY·γ − mean(dY·γ) − X̂·mean(dY·γ·X̂)) per (sample, group), dγ = Σ dY·X̂, dβ = Σ dY',
});
