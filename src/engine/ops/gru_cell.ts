import { run } from '../dispatch.ts';
import { add, mul, sub } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { affine, checkCellHidden, checkCellInput, checkCellWeights, gate } from './_recurrent.ts';
import { floatTypeOf } from '../tensor.ts';

export interface GruCellAttrs {
  bias: boolean;
}

/**
 * nn.GRUCell: rows r, z, n of W_ih and W_hh; r = σ(W_ir x + b_ir + W_hr h + b_hr),
 * z likewise, n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), h′ = (1 − z)·n + z·h.
 */
export const gru_cell: OpDef<GruCellAttrs> = defineOp<GruCellAttrs>({
  name: 'gru_cell',
  kind: 'recurrent',
  inputs: [
    { name: 'x' },
    { name: 'h' },
    { name: 'weight_ih' },
    { name: 'weight_hh' },
    { name: 'bias_ih', optional: true },
    { name: 'bias_hh', optional: true },
  ],
  defaults: { bias: true },
  shape(metas, { bias }) {
    const [x, h] = metas;
    const slots = { weightIh: 2, weightHh: 3, biasIh: 4, biasHh: 5 };
    const H = checkCellWeights('gru_cell', metas, slots, 3, bias);
    if (typeof H !== 'number') return H;
    const inputError = checkCellInput('gru_cell', x!, metas[2]!);
    if (inputError) return inputError;
    const hiddenError = checkCellHidden('gru_cell', x!, h!, H, 0, 1);
    if (hiddenError) return hiddenError;
    return [{ shape: [x!.shape[0], H], dtype: floatTypeOf(...metas) }];
  },
  composite([x, h, weightIh, weightHh, biasIh, biasHh]) {
    const H = h!.shape[1];
    const fromInput = affine(x!, weightIh!, biasIh);
    const fromHidden = affine(h!, weightHh!, biasHh);
    const both = (g: number) => add(gate(fromInput, g, H), gate(fromHidden, g, H));
    const reset = run('sigmoid', [both(0)]);
    const update = run('sigmoid', [both(1)]);
    const candidate = run('tanh', [add(gate(fromInput, 2, H), mul(reset, gate(fromHidden, 2, H)))]);
    // (1 − z)·n + z·h, written as n + z·(h − n)
    return [add(candidate, mul(update, sub(h!, candidate)))];
  },
  formula:
    'h′ = n + z⊙(h − n), n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)): gradients through σ, tanh and the matmuls',
});
