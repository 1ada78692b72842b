import { moments, normalize } from '../backends/cpu/norm.ts';
import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { mul, reshape, sumTo } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { type Shape, sizeOf, type Tensor } from '../tensor.ts';
import { normalizeView, normInputGrad } from './_norm.ts';

export interface GroupNormAttrs {
  num_groups: number;
  eps: number;
}

const list = (s: Shape) => `[${s.join(', ')}]`;

/** x [N, C, *] as [N, C, S] (for the per-channel affine) and as [1, N·G, (C/G)·S] (for the statistics). */
function views(x: Shape, groups: number) {
  const [N, C] = x;
  const S = sizeOf(x.slice(2));
  return { channels: [N, C, S], groups: [1, N * groups, (C / groups) * S], C, S };
}

/** F.group_norm: statistics per sample and group of C/G channels; weight/bias (optional) per channel. */
export const group_norm: OpDef<GroupNormAttrs> = defineOp<GroupNormAttrs>({
  name: 'group_norm',
  kind: 'norm',
  inputs: [{ name: 'x' }, { name: 'weight', optional: true }, { name: 'bias', optional: true }],
  defaults: { eps: 1e-5 },
  shape([x, weight, bias], { num_groups, eps }) {
    const metas = [x, weight, bias];
    const bad = metas.findIndex((m) => m && m.dtype !== 'float32');
    if (bad >= 0)
      return new DTypeError('group_norm', `expected float32 tensors, got ${metas[bad]!.dtype}`, bad);
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
    return [{ shape: [...shape], dtype: 'float32' }];
  },
  forward: {
    cpu([x, weight, bias], { num_groups, eps }) {
      const [P, Q, R] = views(x!.shape, num_groups).groups;
      const { C, S } = views(x!.shape, num_groups);
      const perGroup = C / num_groups;
      // row q is (sample, group); element r of it lies in channel group·(C/G) + ⌊r/S⌋
      const channelOf = (q: number, r: number) => (q % num_groups) * perGroup + Math.floor(r / S);
      const m = moments(x!.data, { P, Q, R }, eps);
      return [
        normalize(
          x!.data,
          { P, Q, R },
          m.mean,
          m.invstd,
          weight?.data ?? null,
          bias?.data ?? null,
          channelOf,
        ),
      ];
    },
  },
  vjp({ inputs: [x, weight], needsGrad }, [dy], { num_groups, eps }) {
    const v = views(x!.shape, num_groups);
    const channelParam = [1, v.C, 1];
    const dyC = reshape(dy, v.channels);
    const gC = weight ? mul(dyC, reshape(weight, channelParam)) : dyC;
    const normalized = normalizeView(reshape(x!, v.groups), eps);
    const xhatC = reshape(normalized.xhat, v.channels);
    const channelSum = (t: Tensor) => reshape(sumTo(t, channelParam), [v.C]);
    return [
      needsGrad[0] ? reshape(normInputGrad(reshape(gC, v.groups), normalized), [...x!.shape]) : null,
      needsGrad[1] ? channelSum(mul(dyC, xhatC)) : null,
      needsGrad[2] ? channelSum(dyC) : null,
    ];
  },
  formula: 'dX = (1/σ)·(dY·γ − mean(dY·γ) − X̂·mean(dY·γ·X̂)) per (sample, group), dγ = Σ dY·X̂, dβ = Σ dY',
});
