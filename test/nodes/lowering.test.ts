import { describe, expect, it } from 'vitest';
import { run, runAll, type Tensor, tensor } from '../../src/engine/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { sinusoidalTable } from '../../src/nodes/layers/positional_encoding.ts';
import { expectClose, lowerNode, randomTensor } from './harness.ts';
import { samples } from './samples.ts';

const def = (type: string) => {
  const d = catalog.get(type);
  if (!d) throw new Error(`no node type ${type}`);
  return d;
};

/** Lower the sample of `type` and the same computation straight from engine ops; they must agree. */
type Direct = (inputs: (Tensor | null)[], w: Map<string, Tensor>) => Tensor;

const direct: Record<string, Direct> = {
  Conv1d: ([x], w) =>
    run('conv1d', [x, w.get('weight')!, w.get('bias')!], {
      stride: [2],
      padding: [1],
      dilation: [1],
      groups: 1,
    }),
  ConvTranspose2d: ([x], w) =>
    run('conv_transpose2d', [x, w.get('weight')!, w.get('bias')!], {
      stride: [2, 2],
      padding: [1, 1],
      output_padding: [1, 1],
      dilation: [1, 1],
      groups: 1,
    }),
  MaxPool2d: ([x]) => run('max_pool2d', [x], { kernel_size: [3, 3], stride: [2, 2], padding: [1, 1] }),
  AvgPool2d: ([x]) =>
    run('avg_pool2d', [x], { kernel_size: [3, 3], stride: [2, 2], padding: [1, 1], ceil_mode: true }),
  AdaptiveAvgPool2d: ([x]) => run('adaptive_avg_pool2d', [x], { output_size: [2, 3] }),
  LayerNorm: ([x]) => run('layer_norm', [x, null, null], { normalized_shape: [8] }),
  GroupNorm: ([x]) => run('group_norm', [x, null, null], { num_groups: 3 }),
  Dropout: ([x]) => run('dropout', [x], { p: 0.3, training: true, seed: 4 }),
  Embedding: ([x], w) => run('embedding', [x, w.get('weight')!], { padding_idx: 0 }),
  Permute: ([x]) => run('permute', [x], { dims: [2, 0, 1] }),
  Concat: ([a, b]) => run('concat', [a, b], { dim: 1 }),
  RNN: ([x], w) =>
    run(
      'rnn',
      [x, null, ...['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'].map((n) => w.get(n)!)],
      { batch_first: false },
    ),
  ScaledDotProductAttention: ([q, k, v]) => run('scaled_dot_product_attention', [q, k, v]),
  PatchEmbedding: ([x], w) => {
    const grid = run('conv2d', [x, w.get('conv.weight')!, w.get('conv.bias')!], { stride: [4, 4] });
    return run('transpose', [run('reshape', [grid], { shape: [2, 6, 4] })], { dim0: 1, dim1: 2 });
  },
  LeakyReLU: ([x]) => run('leaky_relu', [x], { negative_slope: 0.2 }),
  ELU: ([x]) => run('elu', [x]),
  GELU: ([x]) => run('gelu', [x], { approximate: 'tanh' }),
  SiLU: ([x]) => run('silu', [x]),
  Sigmoid: ([x]) => run('sigmoid', [x]),
  Tanh: ([x]) => run('tanh', [x]),
  Softmax: ([x]) => run('softmax', [x], { dim: -1 }),
  LogSoftmax: ([x]) => run('log_softmax', [x], { dim: 1 }),
  MSELoss: ([x, y]) => run('mse_loss', [x, y]),
  L1Loss: ([x, y]) => run('l1_loss', [x, y], { reduction: 'sum' }),
  HuberLoss: ([x, y]) => run('huber_loss', [x, y], { delta: 0.5 }),
  SmoothL1Loss: ([x, y]) => run('smooth_l1_loss', [x, y], { beta: 0.5, reduction: 'none' }),
  NLLLoss: ([x, y]) => run('nll_loss', [x, y]),
  BCELoss: ([x, y]) => run('binary_cross_entropy', [x, y]),
  BCEWithLogitsLoss: ([x, y]) => run('binary_cross_entropy_with_logits', [x, y]),
  KLDivLoss: ([x, y]) => run('kl_div', [x, y], { reduction: 'batchmean' }),
};

describe('lowering agrees with the engine op on a small input', () => {
  for (const [type, expected] of Object.entries(direct)) {
    it(type, async () => {
      const sample = samples[type];
      const inputs = sample.inputs();
      const lowered = lowerNode(def(type), inputs, sample.params);
      await expectClose(lowered.outputs[0], expected(inputs, lowered.params));
    });
  }
});

describe('batch norm nodes', () => {
  const x = randomTensor([4, 3, 5], 2);
  const w = (l: ReturnType<typeof lowerNode>, n: string) => l.params.get(n)!;

  it('train mode normalises by batch statistics and stores the moved running statistics', async () => {
    const l = lowerNode(def('BatchNorm1d'), [x], { num_features: 3, momentum: 0.2 });
    const zeros = tensor([0, 0, 0], [3]);
    const ones = tensor([1, 1, 1], [3]);
    const [y, mean, variance] = runAll('batch_norm', [x, w(l, 'weight'), w(l, 'bias'), zeros, ones], {
      training: true,
      momentum: 0.2,
    });
    await expectClose(l.outputs[0], y);
    await expectClose(l.buffers.get('running_mean')!, mean);
    await expectClose(l.buffers.get('running_var')!, variance);
  });

  it('eval mode normalises by the running statistics and leaves them alone', async () => {
    const l = lowerNode(def('BatchNorm2d'), [randomTensor([2, 3, 2, 2], 4)], {
      num_features: 3,
      mode: 'eval',
    });
    const data = await randomTensor([2, 3, 2, 2], 4).data();
    const got = await l.outputs[0].data();
    // running mean 0, var 1, γ 1, β 0: y = x/√(1 + ε)
    for (let i = 0; i < data.length; i++) expect(got[i]).toBeCloseTo(data[i] / Math.sqrt(1 + 1e-5), 5);
    expect(l.buffers.size).toBe(0);
  });
});

/** The sequence reversed along time (dim 1 of [B, T, F]), by reading the values. */
async function reverseTime(t: Tensor): Promise<Tensor> {
  const [B, T, F] = t.shape;
  const data = await t.data();
  const out = new Float32Array(data.length);
  for (let b = 0; b < B; b++)
    for (let s = 0; s < T; s++)
      for (let f = 0; f < F; f++) out[(b * T + s) * F + f] = data[(b * T + (T - 1 - s)) * F + f];
  return tensor(out, [B, T, F]);
}

const halves = (t: Tensor, size: number) =>
  [0, 1].map((i) => run('narrow', [t], { dim: 2, start: i * size, length: size }));

describe('recurrent nodes', () => {
  const x = randomTensor([2, 5, 3], 6);

  for (const kind of ['RNN', 'LSTM', 'GRU']) {
    it(`${kind}: the reverse direction is the forward pass over the reversed sequence`, async () => {
      const both = lowerNode(def(kind), [x], {
        input_size: 3,
        hidden_size: 4,
        batch_first: true,
        bidirectional: true,
      });
      const reversed = new Map<string, Tensor>();
      for (const [name, t] of both.params)
        if (name.endsWith('_reverse')) reversed.set(name.replace('_reverse', ''), t);
      const single = lowerNode(
        def(kind),
        [await reverseTime(x)],
        { input_size: 3, hidden_size: 4, batch_first: true },
        reversed,
      );
      const [forward, backward] = halves(both.outputs[0], 4);
      await expectClose(backward, await reverseTime(single.outputs[0]));
      const onlyForward = lowerNode(
        def(kind),
        [x],
        { input_size: 3, hidden_size: 4, batch_first: true },
        both.params,
      );
      await expectClose(forward, onlyForward.outputs[0]);
      // h_n: [forward last, backward last]
      await expectClose(run('narrow', [both.outputs[1]], { dim: 0, start: 1, length: 1 }), single.outputs[1]);
    });

    it(`${kind}: two layers are one layer fed by another`, async () => {
      const deep = lowerNode(def(kind), [x], {
        input_size: 3,
        hidden_size: 4,
        num_layers: 2,
        batch_first: true,
      });
      const layer = (l: number) =>
        new Map(
          [...deep.params]
            .filter(([n]) => n.endsWith(`_l${l}`))
            .map(([n, t]) => [n.replace(`_l${l}`, '_l0'), t]),
        );
      const first = lowerNode(def(kind), [x], { input_size: 3, hidden_size: 4, batch_first: true }, layer(0));
      const second = lowerNode(
        def(kind),
        [first.outputs[0]],
        { input_size: 4, hidden_size: 4, batch_first: true },
        layer(1),
      );
      await expectClose(deep.outputs[0], second.outputs[0]);
      await expectClose(deep.outputs[1], run('concat', [first.outputs[1], second.outputs[1]], { dim: 0 }));
    });
  }

  it('LSTM: one step of the node is one lstm_cell, from given h0 and c0', async () => {
    const step = randomTensor([1, 2, 3], 8);
    const h0 = randomTensor([1, 2, 4], 9);
    const c0 = randomTensor([1, 2, 4], 10);
    const l = lowerNode(def('LSTM'), [step, h0, c0], { input_size: 3, hidden_size: 4 });
    const w = ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'].map((n) => l.params.get(n)!);
    const flat = (t: Tensor, n: number) => run('reshape', [t], { shape: [2, n] });
    const [h, c] = runAll('lstm_cell', [flat(step, 3), flat(h0, 4), flat(c0, 4), ...w]);
    await expectClose(l.outputs[1], run('reshape', [h], { shape: [1, 2, 4] }));
    await expectClose(l.outputs[2], run('reshape', [c], { shape: [1, 2, 4] }));
  });
});

describe('attention nodes', () => {
  const q = randomTensor([2, 3, 8], 11);
  const k = randomTensor([2, 5, 8], 12);
  const v = randomTensor([2, 5, 6], 13);
  // the last two keys of each sequence are padding
  const mask = tensor([0, 0, 0, 1, 1, 0, 0, 0, 1, 1], [2, 5]);
  const firstKeys = (t: Tensor) => run('narrow', [t], { dim: 1, start: 0, length: 3 });

  it('ScaledDotProductAttention: padded keys count as if they were not there', async () => {
    const padded = lowerNode(def('ScaledDotProductAttention'), [q, k, v, mask], { mask: 'padding' });
    const cut = lowerNode(def('ScaledDotProductAttention'), [q, firstKeys(k), firstKeys(v), null]);
    await expectClose(padded.outputs[0], cut.outputs[0]);
  });

  it('ScaledDotProductAttention: causal is the engine’s causal attention', async () => {
    const qs = randomTensor([2, 4, 8], 14);
    const l = lowerNode(def('ScaledDotProductAttention'), [qs, qs, qs, null], { mask: 'causal' });
    await expectClose(l.outputs[0], run('scaled_dot_product_attention', [qs, qs, qs], { causal: true }));
  });

  it('MultiHeadAttention: sequence-first is batch-first transposed, padding is truncation', async () => {
    const query = randomTensor([2, 3, 8], 15);
    const keys = randomTensor([2, 5, 8], 16);
    const t = (x: Tensor) => run('transpose', [x], { dim0: 0, dim1: 1 });
    const first = lowerNode(def('MultiHeadAttention'), [query, keys, keys, mask], {
      embed_dim: 8,
      num_heads: 2,
      batch_first: true,
      mask: 'padding',
    });
    const cut = lowerNode(
      def('MultiHeadAttention'),
      [query, firstKeys(keys), firstKeys(keys), null],
      { embed_dim: 8, num_heads: 2, batch_first: true },
      first.params,
    );
    await expectClose(first.outputs[0], cut.outputs[0]);
    const seqFirst = lowerNode(
      def('MultiHeadAttention'),
      [t(query), t(firstKeys(keys)), null, null],
      { embed_dim: 8, num_heads: 2 },
      first.params,
    );
    await expectClose(t(seqFirst.outputs[0]), cut.outputs[0]);
    const w = ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'].map(
      (n) => first.params.get(n)!,
    );
    const [y] = runAll('multi_head_attention', [query, firstKeys(keys), firstKeys(keys), ...w], {
      num_heads: 2,
    });
    await expectClose(cut.outputs[0], y);
  });

  it('AdditiveAttention: D2L’s scoring, by hand, and padding is truncation', async () => {
    const queries = randomTensor([2, 3, 5], 17);
    const keys = randomTensor([2, 5, 3], 18);
    const l = lowerNode(def('AdditiveAttention'), [queries, keys, v, mask], {
      query_size: 5,
      key_size: 3,
      num_hiddens: 7,
    });
    const cut = lowerNode(
      def('AdditiveAttention'),
      [queries, firstKeys(keys), firstKeys(v), null],
      { query_size: 5, key_size: 3, num_hiddens: 7 },
      l.params,
    );
    await expectClose(l.outputs[0], cut.outputs[0]);
    // score of query 0, key 0 of batch 0 from the formula w_vᵀ·tanh(W_q q + W_k k)
    const [wq, wk, wv] = await Promise.all(
      ['W_q.weight', 'W_k.weight', 'w_v.weight'].map((n) => l.params.get(n)!.data()),
    );
    const [qd, kd] = await Promise.all([queries.data(), keys.data()]);
    const scores = [0, 1, 2].map((key) => {
      let s = 0;
      for (let h = 0; h < 7; h++) {
        let a = 0;
        for (let i = 0; i < 5; i++) a += wq[h * 5 + i] * qd[i];
        for (let i = 0; i < 3; i++) a += wk[h * 3 + i] * kd[key * 3 + i];
        s += wv[h] * Math.tanh(a);
      }
      return s;
    });
    const max = Math.max(...scores);
    const total = scores.reduce((n, s) => n + Math.exp(s - max), 0);
    const weights = await cut.outputs[1].data();
    for (const [key, s] of scores.entries()) expect(weights[key]).toBeCloseTo(Math.exp(s - max) / total, 5);
  });
});

describe('positional encodings', () => {
  it('sinusoidal: D2L’s table, added to the input', async () => {
    const x = randomTensor([2, 4, 6], 19);
    const l = lowerNode(def('PositionalEncoding'), [x], { num_hiddens: 6 });
    const table = sinusoidalTable(4, 6);
    expect(table[6 + 0]).toBeCloseTo(Math.sin(1), 6);
    expect(table[6 + 1]).toBeCloseTo(Math.cos(1), 6);
    expect(table[2 * 6 + 2]).toBeCloseTo(Math.sin(2 / 10000 ** (2 / 6)), 6);
    await expectClose(l.outputs[0], run('add', [x, tensor(table, [4, 6])]));
  });

  it('learned: the first T rows of the table', async () => {
    const x = randomTensor([2, 4, 6], 20);
    const l = lowerNode(def('PositionalEncoding'), [x], { kind: 'learned', num_hiddens: 6, max_len: 10 });
    const table = l.params.get('pos_embedding')!;
    expect([...table.shape]).toEqual([1, 10, 6]);
    await expectClose(l.outputs[0], run('add', [x, run('narrow', [table], { dim: 1, start: 0, length: 4 })]));
  });
});
