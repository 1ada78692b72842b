import { run } from '../dispatch.ts';
import { add, mul } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { affine, checkCellHidden, checkCellInput, checkCellWeights, gate } from './_recurrent.ts';
import { floatTypeOf } from '../tensor.ts';

export interface LstmCellAttrs {
  bias: boolean;
}

/**
 * nn.LSTMCell: gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, rows i, f, g, o;
 * c′ = σ(f)·c + σ(i)·tanh(g), h′ = σ(o)·tanh(c′). Outputs h′ (`output`) and c′ (`c`).
 */
export const lstm_cell: OpDef<LstmCellAttrs> = defineOp<LstmCellAttrs>({
  name: 'lstm_cell',
  kind: 'recurrent',
  inputs: [
    { name: 'x' },
    { name: 'h' },
    { name: 'c' },
    { name: 'weight_ih' },
    { name: 'weight_hh' },
    { name: 'bias_ih', optional: true },
    { name: 'bias_hh', optional: true },
  ],
  outputs: ['output', 'c'],
  defaults: { bias: true },
  shape(metas, { bias }) {
    const [x, h, c] = metas;
    const slots = { weightIh: 3, weightHh: 4, biasIh: 5, biasHh: 6 };
    const H = checkCellWeights('lstm_cell', metas, slots, 4, bias);
    if (typeof H !== 'number') return H;
    const inputError = checkCellInput('lstm_cell', x!, metas[3]!);
    if (inputError) return inputError;
    const hiddenError =
      checkCellHidden('lstm_cell', x!, h!, H, 0, 1) ?? checkCellHidden('lstm_cell', x!, c!, H, 1, 2);
    if (hiddenError) return hiddenError;
    const state = { shape: [x!.shape[0], H], dtype: floatTypeOf(...metas) };
    return [state, { ...state }];
  },
  composite([x, h, c, weightIh, weightHh, biasIh, biasHh]) {
    const H = h!.shape[1];
    const gates = add(affine(x!, weightIh!, biasIh), affine(h!, weightHh!, biasHh));
    const sigmoidOf = (g: number) => run('sigmoid', [gate(gates, g, H)]);
    const candidate = run('tanh', [gate(gates, 2, H)]);
    const cNext = add(mul(sigmoidOf(1), c!), mul(sigmoidOf(0), candidate));
    const hNext = mul(sigmoidOf(3), run('tanh', [cNext]));
    return [hNext, cNext];
  },
  formula: 'c′ = σ(f)⊙c + σ(i)⊙tanh(g), h′ = σ(o)⊙tanh(c′): gradients through σ, tanh and the two matmuls',
});
