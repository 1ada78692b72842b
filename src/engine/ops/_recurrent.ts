import { run } from '../dispatch.ts';
import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { add, matmul, transpose } from '../functional.ts';
import { isFloat, type Shape, type Tensor, type TensorMeta } from '../tensor.ts';

const list = (s: Shape) => `[${s.join(', ')}]`;

/** The weights of one recurrent layer, by input index: W_ih [G·H, I], W_hh [G·H, H], b_ih, b_hh [G·H]. */
export interface CellWeightSlots {
  weightIh: number;
  weightHh: number;
  biasIh: number;
  biasHh: number;
}

/**
 * Checks shared by lstm_cell, gru_cell and rnn: dtypes, the `bias` attr against the bias
 * inputs, and the weight shapes for `gates` stacked gates. Returns the hidden size H (the
 * input size is then weight_ih's second dim).
 */
export function checkCellWeights(
  op: string,
  metas: (TensorMeta | null)[],
  slots: CellWeightSlots,
  gates: number,
  bias: unknown,
): number | AttrError | ShapeError | DTypeError {
  const bad = metas.findIndex((m) => m && !isFloat(m.dtype));
  if (bad >= 0)
    return new DTypeError(op, `expected float32 or float64 tensors, got ${metas[bad]!.dtype}`, bad);
  if (typeof bias !== 'boolean') return new AttrError(op, 'bias', `must be a boolean, got ${bias}`);
  const whh = metas[slots.weightHh]!;
  const wih = metas[slots.weightIh]!;
  const H = whh.shape[1] ?? 0;
  if (whh.shape.length !== 2 || whh.shape[0] !== gates * H) {
    return new ShapeError(
      op,
      `${op}: weight_hh must be [${gates}·hidden_size, hidden_size], got ${list(whh.shape)}`,
      [{ input: slots.weightHh, dim: 0 }],
    );
  }
  if (wih.shape.length !== 2 || wih.shape[0] !== gates * H) {
    return new ShapeError(
      op,
      `${op}: weight_ih must be [${gates * H}, input_size] for hidden_size ${H}, got ${list(wih.shape)}`,
      [{ input: slots.weightIh, dim: 0 }],
    );
  }
  for (const [i, name] of [
    [slots.biasIh, 'bias_ih'],
    [slots.biasHh, 'bias_hh'],
  ] as const) {
    const m = metas[i];
    if (!bias) {
      if (m) return new AttrError(op, 'bias', `is false, but ${name} was given`);
      continue;
    }
    if (!m) return new AttrError(op, 'bias', `is true, so ${name} is required`);
    if (m.shape.length !== 1 || m.shape[0] !== gates * H) {
      return new ShapeError(op, `${op}: ${name} must be [${gates * H}], got ${list(m.shape)}`, [
        { input: i, dim: 0 },
      ]);
    }
  }
  return H;
}

/** PyTorch's check_rnn_cell_forward_hidden for a cell's hidden input (`label` 0 for h, 1 for c). */
export function checkCellHidden(
  op: string,
  x: TensorMeta,
  hidden: TensorMeta,
  H: number,
  label: number,
  input: number,
) {
  if (hidden.shape.length !== 2 || hidden.shape[0] !== x.shape[0]) {
    return new ShapeError(
      op,
      `Input batch size ${x.shape[0]} doesn't match hidden${label} batch size ${hidden.shape[0]}`,
      [{ input, dim: 0 }],
    );
  }
  if (hidden.shape[1] !== H) {
    return new ShapeError(
      op,
      `hidden${label} has inconsistent hidden_size: got ${hidden.shape[1]}, expected ${H}`,
      [{ input, dim: 1 }],
    );
  }
  return null;
}

/** A cell's input must be [B, input_size] (PyTorch's check_rnn_cell_forward_input for the size). */
export function checkCellInput(op: string, x: TensorMeta, weightIh: TensorMeta): ShapeError | null {
  if (x.shape.length !== 2) {
    return new ShapeError(op, `${op}: expected input of shape [batch, input_size], got ${list(x.shape)}`, [
      { input: 0, dim: 0 },
    ]);
  }
  const inputSize = weightIh.shape[1];
  return x.shape[1] === inputSize
    ? null
    : new ShapeError(op, `input has inconsistent input_size: got ${x.shape[1]} expected ${inputSize}`, [
        { input: 0, dim: 1 },
      ]);
}

/** x·Wᵀ + b (b may be absent). */
export function affine(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const y = matmul(x, transpose(weight, 0, 1));
  return bias ? add(y, bias) : y;
}

/** Gate g of H columns from stacked gate pre-activations [..., G·H]. */
export function gate(stacked: Tensor, g: number, H: number): Tensor {
  return run('narrow', [stacked], { dim: -1, start: g * H, length: H });
}
