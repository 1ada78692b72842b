import { zeros } from '../create.ts';
import { run } from '../dispatch.ts';
import { AttrError, ShapeError } from '../errors.ts';
import { add, matmul, reshape, transpose } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { floatTypeOf, type Tensor } from '../tensor.ts';
import { affine, checkCellWeights } from './_recurrent.ts';

export interface RnnAttrs {
  nonlinearity: 'tanh' | 'relu';
  batch_first: boolean;
  num_layers: number;
  bias: boolean;
}

/** [B, T, I] (batch_first) or [T, B, I] → { B, T } */
function sequenceDims(shape: readonly number[], batchFirst: boolean) {
  return batchFirst ? { B: shape[0], T: shape[1] } : { B: shape[1], T: shape[0] };
}

/**
 * nn.RNN with one layer: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh). Outputs every
 * h_t (`output`, [B, T, H] when batch_first) and the last one (`h_n`, [1, B, H]). h0 is
 * optional (zeros). Composite: the time loop unrolls into matmuls, adds and activations.
 */
export const rnn: OpDef<RnnAttrs> = defineOp<RnnAttrs>({
  name: 'rnn',
  kind: 'recurrent',
  inputs: [
    { name: 'x' },
    { name: 'h0', optional: true },
    { name: 'weight_ih' },
    { name: 'weight_hh' },
    { name: 'bias_ih', optional: true },
    { name: 'bias_hh', optional: true },
  ],
  outputs: ['output', 'h_n'],
  defaults: { nonlinearity: 'tanh', batch_first: false, num_layers: 1, bias: true },
  shape(metas, { nonlinearity, batch_first, num_layers, bias }) {
    const [x, h0, weightIh] = metas;
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
      return new AttrError(
        'rnn',
        'nonlinearity',
        `Unknown nonlinearity '${nonlinearity}'. Select from 'tanh' or 'relu'.`,
      );
    }
    if (typeof batch_first !== 'boolean')
      return new AttrError('rnn', 'batch_first', `must be a boolean, got ${batch_first}`);
    if (num_layers !== 1) {
      return new AttrError(
        'rnn',
        'num_layers',
        `must be 1 (chain rnn ops for a deeper stack), got ${num_layers}`,
      );
    }
    const H = checkCellWeights('rnn', metas, { weightIh: 2, weightHh: 3, biasIh: 4, biasHh: 5 }, 1, bias);
    if (typeof H !== 'number') return H;
    if (x!.shape.length !== 3)
      return new ShapeError('rnn', `input must have 3 dimensions, got ${x!.shape.length}`);
    const inputSize = weightIh!.shape[1];
    if (x!.shape[2] !== inputSize) {
      return new ShapeError(
        'rnn',
        `input.size(-1) must be equal to input_size. Expected ${inputSize}, got ${x!.shape[2]}`,
        [{ input: 0, dim: 2 }],
      );
    }
    const { B, T } = sequenceDims(x!.shape, batch_first);
    if (T === 0) return new ShapeError('rnn', 'rnn: expected a sequence of at least one step, got length 0');
    if (h0 && (h0.shape.length !== 3 || h0.shape[0] !== 1 || h0.shape[1] !== B || h0.shape[2] !== H)) {
      return new ShapeError('rnn', `Expected hidden size (1, ${B}, ${H}), got [${h0.shape.join(', ')}]`, [
        { input: 1, dim: 0 },
      ]);
    }
    const output = batch_first ? [B, T, H] : [T, B, H];
    const dtype = floatTypeOf(...metas);
    return [
      { shape: output, dtype },
      { shape: [1, B, H], dtype },
    ];
  },
  composite([x, h0, weightIh, weightHh, biasIh, biasHh], { nonlinearity, batch_first }) {
    const { B, T } = sequenceDims(x!.shape, batch_first);
    const H = weightHh!.shape[1];
    const sequence = batch_first ? x! : transpose(x!, 0, 1);
    // the input half of every step at once: [B, T, H]
    let fromInput = affine(sequence, weightIh!, biasIh);
    if (biasHh) fromInput = add(fromInput, biasHh);
    const recurrent = transpose(weightHh!, 0, 1);
    let h = h0 ? reshape(h0, [B, H]) : zeros([B, H], x!.backend, fromInput.dtype);
    const states: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const step = reshape(run('narrow', [fromInput], { dim: 1, start: t, length: 1 }), [B, H]);
      h = run(nonlinearity, [add(step, matmul(h, recurrent))]);
      states.push(h);
    }
    const output = run('stack', states, { dim: batch_first ? 1 : 0 });
    return [output, reshape(h, [1, B, H])];
  },
  formula: 'h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh): backprop through time, step by step',
});
