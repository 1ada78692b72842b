import { type AffineLayout, moments, normalize } from '../backends/cpu/norm.ts';
import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { reshape } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { sameShape } from '../shape.ts';
import { floatTypeOf, isFloat, type Shape, sizeOf } from '../tensor.ts';
import { normGradients } from './_norm.ts';

export interface LayerNormAttrs {
  /** the trailing dims normalised over; a single number means [n], as in PyTorch */
  normalized_shape: number[] | number;
  eps: number;
}

const list = (s: Shape) => `[${s.join(', ')}]`;

function normalizedShape(attrs: LayerNormAttrs): number[] {
  return typeof attrs.normalized_shape === 'number'
    ? [attrs.normalized_shape]
    : [...(attrs.normalized_shape ?? [])];
}

/** x [..., *normalized_shape] seen as [1, M, K]: one statistic per leading index. */
function rowView(x: Shape, normalized: number[]): [number, number, number] {
  const K = sizeOf(normalized);
  return [1, sizeOf(x) / K, K];
}

/** Weight and bias scale element r of each row. */
function elementAffine(K: number): AffineLayout {
  return { groups: 1, group_channels: K, channel_size: 1 };
}

/** F.layer_norm: normalise over the trailing `normalized_shape` dims; weight/bias (optional) have that shape. */
export const layer_norm: OpDef<LayerNormAttrs> = defineOp<LayerNormAttrs>({
  name: 'layer_norm',
  kind: 'norm',
  inputs: [{ name: 'x' }, { name: 'weight', optional: true }, { name: 'bias', optional: true }],
  defaults: { eps: 1e-5 },
  shape([x, weight, bias], attrs) {
    const bad = [x, weight, bias].findIndex((m) => m !== null && m !== undefined && !isFloat(m.dtype));
    if (bad >= 0)
      return new DTypeError(
        'layer_norm',
        `expected float32 or float64 tensors, got ${[x, weight, bias][bad]!.dtype}`,
        bad,
      );
    const given = attrs.normalized_shape;
    const shapeOk =
      (typeof given === 'number' && Number.isInteger(given) && given >= 0) ||
      (Array.isArray(given) && given.every((d) => Number.isInteger(d) && d >= 0));
    if (!shapeOk) {
      return new AttrError(
        'layer_norm',
        'normalized_shape',
        `must be a list of dim sizes, got ${JSON.stringify(given)}`,
      );
    }
    if (!(attrs.eps >= 0))
      return new AttrError('layer_norm', 'eps', `must be a number >= 0, got ${attrs.eps}`);
    const normalized = normalizedShape(attrs);
    if (normalized.length === 0) {
      return new AttrError(
        'layer_norm',
        'normalized_shape',
        'Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []',
      );
    }
    const trailing = x!.shape.slice(x!.shape.length - normalized.length);
    if (x!.shape.length < normalized.length || !sameShape(trailing, normalized)) {
      // PyTorch's _check_layer_norm_inputs, word for word (including the missing space)
      return new ShapeError(
        'layer_norm',
        `Given normalized_shape=${list(normalized)}, expected input with shape [*${normalized.map((d) => `, ${d}`).join('')}], but got input of size${list(x!.shape)}`,
        [{ input: 0, dim: x!.shape.length - 1 }],
      );
    }
    for (const [i, name, m] of [
      [1, 'weight', weight],
      [2, 'bias', bias],
    ] as const) {
      if (m && !sameShape(m.shape, normalized)) {
        return new ShapeError(
          'layer_norm',
          `Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${list(m.shape)} and normalized_shape = ${list(normalized)}`,
          [{ input: i, dim: 0 }],
        );
      }
    }
    return [{ shape: [...x!.shape], dtype: floatTypeOf(x, weight, bias) }];
  },
  forward: {
    cpu([x, weight, bias], attrs, [o]) {
      const [P, Q, R] = rowView(x!.shape, normalizedShape(attrs));
      const m = moments(x!.data, { P, Q, R }, attrs.eps);
      return [
        normalize(
          x!.data,
          { P, Q, R },
          m.mean,
          m.invstd,
          weight?.data ?? null,
          bias?.data ?? null,
          elementAffine(R),
          o.dtype,
        ),
      ];
    },
  },
  vjp({ inputs: [x, weight, bias], needsGrad }, [dy], attrs) {
    const view = rowView(x!.shape, normalizedShape(attrs));
    const grads = normGradients(x!, dy, weight, view, elementAffine(view[2]), attrs.eps);
    return [
      needsGrad[0] ? grads.dx : null,
      needsGrad[1] ? reshape(grads.dweight, [...weight!.shape]) : null,
      needsGrad[2] ? reshape(grads.dbias, [...bias!.shape]) : null,
    ];
  },
  formula: 'dX = (1/σ)·(dY·γ − mean(dY·γ) − X̂·mean(dY·γ·X̂)) per row, dγ = Σ_rows dY·X̂, dβ = Σ_rows dY',
});
