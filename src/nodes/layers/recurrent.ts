import { type AnyNodeDef, type LowerShapes, type OpBuilder, sizeOrZero, tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { fanInUniform } from '../kit/init.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';
import type { Dim, ShapeIssue, TensorType } from '../types.ts';

type Kind = 'RNN' | 'LSTM' | 'GRU';

/** Gate blocks stacked in each weight: PyTorch's layouts (LSTM i,f,g,o; GRU r,z,n). */
const GATES: Record<Kind, number> = { RNN: 1, LSTM: 4, GRU: 3 };

const DOCS: Record<Kind, { doc: string; formula: string; aliases: string[] }> = {
  RNN: {
    doc: 'An Elman recurrent network: each step mixes the input with the previous hidden state through tanh (or ReLU).',
    formula: 'h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)',
    aliases: ['rnn', 'elman', 'recurrent', 'nn.RNN'],
  },
  LSTM: {
    doc: 'Long short-term memory: input, forget and output gates control a cell state that carries information across many steps.',
    formula: 'c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g),  h_t = σ(o)⊙tanh(c_t)',
    aliases: ['lstm', 'long short-term memory', 'nn.LSTM'],
  },
  GRU: {
    doc: 'Gated recurrent unit: reset and update gates blend the previous hidden state with a candidate state.',
    formula: 'n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)),  h_t = (1 − z)⊙n + z⊙h_{t−1}',
    aliases: ['gru', 'gated recurrent unit', 'nn.GRU'],
  },
};

interface RecurrentParams {
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bias: boolean;
  batch_first: boolean;
  dropout: number;
  bidirectional: boolean;
  nonlinearity?: 'tanh' | 'relu';
}

/** Weights and biases of every layer and direction: G·H·(in + H) + 2·G·H each. */
function parameterCount(kind: Kind, q: RecurrentParams): number {
  const g = GATES[kind];
  const h = q.hidden_size;
  const dirs = q.bidirectional ? 2 : 1;
  let total = 0;
  for (let l = 0; l < q.num_layers; l++) {
    const inSize = l === 0 ? q.input_size : dirs * h;
    total += dirs * (g * h * (inSize + h) + (q.bias ? 2 * g * h : 0));
  }
  return total;
}

/** A state input (h0, c0) must be [D·num_layers, B, H]. */
function stateIssue(
  name: string,
  t: TensorType | null,
  want: Dim[],
  unify: (a: Dim, b: Dim) => boolean,
): ShapeIssue[] {
  if (!t) return [];
  if (t.dims.length === want.length && t.dims.every((d, i) => unify(d, want[i]))) return [];
  return fail('hidden_size', `Expected hidden size (${want.join(', ')}), got ${formatDims(t.dims)}`, {
    port: name,
  });
}

/** One direction of one layer, unrolled with cell ops: returns every h_t ([B, T, H]) and the last h (and c). */
function unroll<V>(
  b: OpBuilder<V>,
  kind: Kind,
  q: RecurrentParams,
  seq: V,
  w: (V | null)[],
  start: { h: V; c: V | null },
  dims: { B: number; T: number; inSize: number },
  reverse: boolean,
): { out: V; h: V; c: V | null } {
  const { B, T, inSize } = dims;
  let { h, c } = start;
  const outs: V[] = new Array(T);
  for (let i = 0; i < T; i++) {
    const t = reverse ? T - 1 - i : i;
    const [xt] = b.op('reshape', b.op('narrow', [seq], { dim: 1, start: t, length: 1 }), {
      shape: [B, inSize],
    });
    if (kind === 'LSTM') [h, c] = b.op('lstm_cell', [xt, h, c, ...w], { bias: q.bias });
    else if (kind === 'GRU') [h] = b.op('gru_cell', [xt, h, ...w], { bias: q.bias });
    else {
      const [fromInput] = b.op('linear', [xt, w[0], w[2]]);
      const [fromState] = b.op('linear', [h, w[1], w[3]]);
      [h] = b.op(q.nonlinearity ?? 'tanh', b.op('add', [fromInput, fromState]));
    }
    outs[t] = h;
  }
  const [out] = b.op('stack', outs, { dim: 1 });
  return { out, h, c };
}

/** Lowers a stacked, maybe bidirectional recurrent layer; forward RNN layers use the rnn op, the rest unroll cells. */
function lowerRecurrent<V>(
  b: OpBuilder<V>,
  kind: Kind,
  inputs: (V | null)[],
  q: RecurrentParams,
  shapes: LowerShapes,
): V[] {
  const isLstm = kind === 'LSTM';
  const [x, h0, c0] = inputs;
  const input = shapes.inputs[0] ?? [];
  const [T, B] = q.batch_first ? [input[1], input[0]] : [input[0], input[1]];
  const H = q.hidden_size;
  const G = GATES[kind];
  const dirs = q.bidirectional ? 2 : 1;
  const zeros = () => b.constant(new Array<number>(B * H).fill(0), [B, H]);
  const stateOf = (s: V | null, k: number): V =>
    s ? b.op('reshape', b.op('narrow', [s], { dim: 0, start: k, length: 1 }), { shape: [B, H] })[0] : zeros();
  let [seq] = q.batch_first ? [x as V] : b.op('transpose', [x], { dim0: 0, dim1: 1 });
  const hN: V[] = [];
  const cN: V[] = [];
  for (let l = 0; l < q.num_layers; l++) {
    const inSize = l === 0 ? q.input_size : dirs * H;
    const outs: V[] = [];
    for (let d = 0; d < dirs; d++) {
      const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
      // PyTorch draws every weight and bias from U(±1/√hidden_size)
      const init = fanInUniform(H);
      const w = [
        b.param(`weight_ih${suffix}`, [G * H, inSize], init),
        b.param(`weight_hh${suffix}`, [G * H, H], init),
        q.bias ? b.param(`bias_ih${suffix}`, [G * H], init) : null,
        q.bias ? b.param(`bias_hh${suffix}`, [G * H], init) : null,
      ];
      const k = l * dirs + d;
      if (kind === 'RNN' && d === 0) {
        // forward pass of a plain RNN: the engine's rnn op
        const h = h0 ? b.op('narrow', [h0], { dim: 0, start: k, length: 1 })[0] : null;
        const [out, last] = b.op('rnn', [seq, h, ...w], {
          nonlinearity: q.nonlinearity,
          batch_first: true,
          bias: q.bias,
        });
        outs.push(out);
        hN.push(last);
        continue;
      }
      const start = { h: stateOf(h0, k), c: isLstm ? stateOf(c0, k) : null };
      const r = unroll(b, kind, q, seq, w, start, { B, T, inSize }, d === 1);
      outs.push(r.out);
      hN.push(b.op('reshape', [r.h], { shape: [1, B, H] })[0]);
      if (r.c) cN.push(b.op('reshape', [r.c], { shape: [1, B, H] })[0]);
    }
    [seq] = outs.length === 1 ? outs : b.op('concat', outs, { dim: 2 });
    if (q.dropout > 0 && l < q.num_layers - 1)
      [seq] = b.op('dropout', [seq], { p: q.dropout, training: true, seed: l });
  }
  const [output] = q.batch_first ? [seq] : b.op('transpose', [seq], { dim0: 0, dim1: 1 });
  const join = (xs: V[]) => (xs.length === 1 ? xs[0] : b.op('concat', xs, { dim: 0 })[0]);
  return isLstm ? [output, join(hN), join(cN)] : [output, join(hN)];
}

function recurrentNode(kind: Kind): AnyNodeDef {
  const isLstm = kind === 'LSTM';
  return declareNode({
    type: kind,
    group: 'layers',
    aliases: DOCS[kind].aliases,
    doc: `${DOCS[kind].doc} Stacks num_layers layers; bidirectional runs a second pass backwards in time and joins both.`,
    formula: DOCS[kind].formula,
    params: {
      input_size: p.int({ default: 10, min: 1 }),
      hidden_size: p.int({ default: 20, min: 1 }),
      num_layers: p.int({ default: 1, min: 1 }),
      ...(kind === 'RNN' ? { nonlinearity: p.enum(['tanh', 'relu'], { default: 'tanh' }) } : {}),
      bias: p.bool({ default: true }),
      batch_first: p.bool({ default: false, doc: 'input and output as [B, T, *] instead of [T, B, *]' }),
      dropout: p.float({
        default: 0,
        min: 0,
        max: 1,
        doc: 'dropout on the outputs of every layer but the last',
      }),
      bidirectional: p.bool({ default: false }),
    },
    inputs: [
      tensorPort('input', { doc: '[T, B, input_size] ([B, T, input_size] when batch_first)' }),
      tensorPort('h0', { optional: true, doc: '[D·num_layers, B, hidden_size]; zeros when unconnected' }),
      ...(isLstm ? [tensorPort('c0', { optional: true, doc: '[D·num_layers, B, hidden_size]' })] : []),
    ],
    outputs: [
      tensorPort('output', { doc: 'every step’s last-layer h: [T, B, D·hidden_size]' }),
      tensorPort('h_n', { doc: 'each layer’s last h: [D·num_layers, B, hidden_size]' }),
      ...(isLstm ? [tensorPort('c_n')] : []),
    ],
    infer([x, h0, c0], params, ctx) {
      const q = params as RecurrentParams;
      if (!x) return fail('missing_input', `${kind} needs an input`, { port: 'input' });
      if (x.dims.length !== 3) {
        return fail('rank', `${kind}: Expected input to be 3D, got ${x.dims.length}D instead`, {
          port: 'input',
        });
      }
      const last = x.dims[2];
      if (!ctx.unify(last, q.input_size)) {
        return fail(
          'input_size',
          `input.size(-1) must be equal to input_size. Expected ${q.input_size}, got ${last}`,
          {
            port: 'input',
            fixes: [
              {
                label: `Set input_size to ${last}`,
                intents: [{ kind: 'setParam', param: 'input_size', value: last }],
              },
            ],
          },
        );
      }
      const [T, B] = q.batch_first ? [x.dims[1], x.dims[0]] : [x.dims[0], x.dims[1]];
      const dirs = q.bidirectional ? 2 : 1;
      const state = [dirs * q.num_layers, B, q.hidden_size];
      const bad = [
        ...stateIssue('h0', h0, state, ctx.unify),
        ...(isLstm ? stateIssue('c0', c0, state, ctx.unify) : []),
      ];
      if (bad.length) return bad;
      if (q.dropout > 0 && q.num_layers === 1) {
        ctx.warn({
          severity: 'warning',
          code: 'dropout_unused',
          message: `dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${q.dropout} and num_layers=1`,
        });
      }
      const output = q.batch_first ? [B, T, dirs * q.hidden_size] : [T, B, dirs * q.hidden_size];
      const types: TensorType[] = [
        { dtype: 'float32', dims: output },
        { dtype: 'float32', dims: state },
      ];
      return isLstm ? [...types, { dtype: 'float32', dims: state }] : types;
    },
    lower: (b, inputs, params, shapes) => lowerRecurrent(b, kind, inputs, params as RecurrentParams, shapes),
    paramCount: (_inputs, params) => parameterCount(kind, params as RecurrentParams),
    flops([x], params) {
      if (x?.dims.length !== 3) return 0;
      const steps = sizeOrZero(x.dims[0]) * sizeOrZero(x.dims[1]);
      const q = params as RecurrentParams;
      return steps * parameterCount(kind, { ...q, bias: false });
    },
  });
}

export const RNN = recurrentNode('RNN');
export const LSTM = recurrentNode('LSTM');
export const GRU = recurrentNode('GRU');
