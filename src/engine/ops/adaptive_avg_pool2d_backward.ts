import { adaptiveAvgPool2dBackward } from '../backends/cpu/pool.ts';
import { run } from '../dispatch.ts';
import { AttrError, type OpError, ShapeError } from '../errors.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { sameShape } from '../shape.ts';
import type { FloatStorage, TensorMeta } from '../tensor.ts';
import { type AdaptivePoolAttrs, type AdaptiveShape, adaptiveShape } from './_pool.ts';

export interface AdaptivePoolBackwardAttrs extends AdaptivePoolAttrs {
  /** the forward input's shape */
  input_size: number[];
}

function backwardShape(dy: TensorMeta, attrs: AdaptivePoolBackwardAttrs): AdaptiveShape | OpError {
  const op = 'adaptive_avg_pool2d_backward';
  if (!Array.isArray(attrs.input_size))
    return new AttrError(op, 'input_size', 'must be the forward input shape');
  const s = adaptiveShape(op, { shape: attrs.input_size, dtype: dy.dtype }, attrs);
  if (s instanceof Error) return s;
  if (!sameShape(s.output, dy.shape)) {
    return new ShapeError(op, `${op}: grad has shape [${dy.shape}], expected [${s.output}]`);
  }
  return s;
}

/** adaptive_avg_pool2d's input gradient: each bin's dY / bin size spread over the bin. Linear in dY. */
export const adaptive_avg_pool2d_backward: OpDef<AdaptivePoolBackwardAttrs> =
  defineOp<AdaptivePoolBackwardAttrs>({
    name: 'adaptive_avg_pool2d_backward',
    kind: 'backward',
    inputs: [{ name: 'grad' }],
    shape([dy], attrs) {
      const s = backwardShape(dy!, attrs);
      return s instanceof Error ? s : out(attrs.input_size, dy!.dtype);
    },
    forward: {
      cpu([dy], attrs, [o]) {
        const s = backwardShape(dy!, attrs);
        if (s instanceof Error) throw s;
        return [adaptiveAvgPool2dBackward(dy!.data as FloatStorage, s, o.dtype)];
      },
    },
    vjp: (_ctx, [g], { input_size: _, ...attrs }) => [run('adaptive_avg_pool2d', [g], attrs)],
    formula: 'd(dY) = adaptive_avg_pool2d(G)',
  });
