import { avgPool2dBackward } from '../backends/cpu/pool.ts';
import { run } from '../dispatch.ts';
import { AttrError, type OpError, ShapeError } from '../errors.ts';
import { defineOp, type OpDef, out } from '../op.ts';
import { sameShape } from '../shape.ts';
import type { FloatStorage, TensorMeta } from '../tensor.ts';
import { type AvgPoolAttrs, avgPoolDefaults, avgPoolOptions, type PoolShape, poolShape } from './_pool.ts';

export interface AvgPoolBackwardAttrs extends AvgPoolAttrs {
  /** the forward input's shape */
  input_size: number[];
}

function backwardShape(dy: TensorMeta, attrs: AvgPoolBackwardAttrs): PoolShape | OpError {
  if (!Array.isArray(attrs.input_size)) {
    return new AttrError('avg_pool2d_backward', 'input_size', 'must be the forward input shape');
  }
  const s = poolShape('avg_pool2d', { shape: attrs.input_size, dtype: dy.dtype }, attrs, 1);
  if (s instanceof Error) return s;
  if (!sameShape(s.output, dy.shape)) {
    return new ShapeError(
      'avg_pool2d_backward',
      `avg_pool2d_backward: grad has shape [${dy.shape}], expected [${s.output}]`,
    );
  }
  return s;
}

/** avg_pool2d's input gradient: each window's dY / divisor spread over the window. Linear in dY. */
export const avg_pool2d_backward: OpDef<AvgPoolBackwardAttrs> = defineOp<AvgPoolBackwardAttrs>({
  name: 'avg_pool2d_backward',
  kind: 'backward',
  inputs: [{ name: 'grad' }],
  defaults: avgPoolDefaults,
  shape([dy], attrs) {
    const s = backwardShape(dy!, attrs);
    return s instanceof Error ? s : out(attrs.input_size, dy!.dtype);
  },
  forward: {
    cpu([dy], attrs, [o]) {
      const s = backwardShape(dy!, attrs);
      if (s instanceof Error) throw s;
      return [avgPool2dBackward(dy!.data as FloatStorage, s.geometry, avgPoolOptions(attrs), o.dtype)];
    },
  },
  // the adjoint of the adjoint is the forward pool
  vjp: (_ctx, [g], { input_size: _, ...attrs }) => [run('avg_pool2d', [g], attrs)],
  formula: 'd(dY) = avg_pool2d(G)',
});
