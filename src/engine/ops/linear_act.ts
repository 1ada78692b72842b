import { getOp, run } from '../dispatch.ts';
import { AttrError } from '../errors.ts';
import { defineOp, type OpDef, type VjpContext } from '../op.ts';
import type { Tensor } from '../tensor.ts';
import type { GeluAttrs } from './gelu.ts';

/** Registry activations a linear layer can apply in its GEMM's write (the graph compiler fuses them). */
export const FUSABLE_ACTIVATIONS = ['relu', 'gelu', 'silu', 'tanh', 'sigmoid'] as const;
export type FusableActivation = (typeof FUSABLE_ACTIVATIONS)[number];

export interface LinearActAttrs {
  /** the registry op applied to x·Wᵀ + b; 'none' leaves a plain linear */
  activation: FusableActivation | 'none';
  /** gelu's own attr (its erf or tanh form); the other activations have none */
  approximate: GeluAttrs['approximate'];
}

export const isFusableActivation = (op: string): op is FusableActivation =>
  (FUSABLE_ACTIVATIONS as readonly string[]).includes(op);

/** The attrs the activation op itself takes. */
export function activationAttrs({ activation, approximate }: LinearActAttrs): Record<string, unknown> {
  return activation === 'gelu' ? { approximate } : {};
}

/**
 * act(x·Wᵀ + b): a Linear and the activation after it as one op, so the WebGPU GEMM applies the
 * activation in its write and the pre-activation is never stored. Forward and gradient are the
 * linear's and the activation's own, composed: the fused plan computes what the unfused one does.
 */
export const linear_act: OpDef<LinearActAttrs> = defineOp<LinearActAttrs>({
  name: 'linear_act',
  kind: 'matmul',
  inputs: [{ name: 'x' }, { name: 'weight' }, { name: 'bias', optional: true }],
  defaults: { activation: 'none', approximate: 'none' },
  shape(metas, attrs) {
    const { activation } = attrs;
    if (activation !== 'none' && !isFusableActivation(activation)) {
      return new AttrError(
        'linear_act',
        'activation',
        `must be one of none, ${FUSABLE_ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`,
      );
    }
    const preActivation = getOp('linear').shape(metas, {});
    if (preActivation instanceof Error || activation === 'none') return preActivation;
    return getOp(activation).shape(preActivation, activationAttrs(attrs));
  },
  forward: {
    cpu(inputs, attrs, outs) {
      const [z] = getOp('linear').forward!.cpu(inputs, {}, outs);
      if (attrs.activation === 'none') return [z];
      const [o] = outs;
      const zView = { data: z, shape: o.shape, dtype: o.dtype };
      return getOp(attrs.activation).forward!.cpu([zView], activationAttrs(attrs), outs);
    },
  },
  vjp({ inputs, outputs: [y], needsGrad }, [dy], attrs) {
    // z = x·Wᵀ + b is not kept: it is recomputed only if a rule reads it (gelu's and silu's
    // read their input; relu's mask, tanh's and sigmoid's read the output y)
    let z: Tensor | null = null;
    const preActivation = () => {
      z ??= run('linear', inputs);
      return z;
    };
    let dz = dy;
    if (attrs.activation !== 'none') {
      const activationCtx: VjpContext = {
        get inputs() {
          return [preActivation()];
        },
        outputs: [y],
        needsGrad: [true],
      };
      const [grad] = getOp(attrs.activation).vjp!(activationCtx, [dy], activationAttrs(attrs));
      dz = grad as Tensor;
    }
    const linearCtx: VjpContext = {
      inputs,
      get outputs() {
        return [preActivation()];
      },
      needsGrad,
    };
    return getOp('linear').vjp!(linearCtx, [dz], {});
  },
  formula: 'dZ = dY·act′(Z) (relu: dY·[Y > 0]), dX = dZ·W, dW = dZᵀ·X, db = Σ_N dZ',
});
