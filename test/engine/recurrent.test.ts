import { describe, expect, it } from 'vitest';
import { Rng, run, runAll, type Tensor, tensor, zeros } from '../../src/engine/index.ts';
import { testBackends } from '../backends.ts';
import { expectClose, gradientMismatches, randomData } from './finite_difference.ts';

const rng = new Rng(5);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const input = (shape: number[], lo = -1, hi = 1) => ({ shape, data: randomData(rng, size(shape), lo, hi) });

const read = async (t: Tensor) => Array.from(await t.data());

describe.each(await testBackends())('recurrent ops on $name', (backend) => {
  const on = (data: number[], shape: number[]) => tensor(data, shape, 'float32', backend);
  const random = (shape: number[]) => on(randomData(rng, size(shape)), shape);

  describe('lstm_cell', () => {
    it('has gradients matching finite differences for h′ and c′ and every input', async () => {
      const [B, I, H] = [2, 3, 2];
      const specs = [
        input([B, I]),
        input([B, H]),
        input([B, H]),
        input([4 * H, I]),
        input([4 * H, H]),
        input([4 * H]),
        input([4 * H]),
      ];
      expect(await gradientMismatches((t) => runAll('lstm_cell', t), specs, backend)).toEqual([]);
    });

    it('halves the cell when every gate pre-activation is zero: c′ = c/2, h′ = tanh(c′)/2', async () => {
      const c = on([0.8, -2], [1, 2]);
      const [h2, c2] = runAll(
        'lstm_cell',
        [zeros([1, 3], backend), zeros([1, 2], backend), c, zeros([8, 3], backend), zeros([8, 2], backend)],
        {
          bias: false,
        },
      );
      const cNext = await read(c2);
      expect(cNext).toEqual([0.4, -1].map(Math.fround));
      expectClose(
        await read(h2),
        cNext.map((v) => Math.tanh(v) / 2),
      );
    });

    it('names inconsistent sizes in PyTorch words', () => {
      const weights = [random([8, 3]), random([8, 2]), random([8]), random([8])];
      expect(() => runAll('lstm_cell', [random([1, 4]), random([1, 2]), random([1, 2]), ...weights])).toThrow(
        'input has inconsistent input_size: got 4 expected 3',
      );
      expect(() => runAll('lstm_cell', [random([1, 3]), random([1, 2]), random([1, 5]), ...weights])).toThrow(
        'hidden1 has inconsistent hidden_size: got 5, expected 2',
      );
      expect(() => runAll('lstm_cell', [random([2, 3]), random([1, 2]), random([2, 2]), ...weights])).toThrow(
        "Input batch size 2 doesn't match hidden0 batch size 1",
      );
    });
  });

  describe('gru_cell', () => {
    it('has gradients matching finite differences for every input', async () => {
      const [B, I, H] = [2, 3, 2];
      const specs = [
        input([B, I]),
        input([B, H]),
        input([3 * H, I]),
        input([3 * H, H]),
        input([3 * H]),
        input([3 * H]),
      ];
      expect(await gradientMismatches((t) => runAll('gru_cell', t), specs, backend)).toEqual([]);
    });

    it('keeps h when the update gate is saturated open', async () => {
      // a large z bias makes z ≈ 1, so h′ = (1 − z)·n + z·h ≈ h
      const bias = on([0, 0, 50, 50, 0, 0], [6]);
      const h = random([1, 2]);
      const y = run('gru_cell', [
        random([1, 3]),
        h,
        random([6, 3]),
        random([6, 2]),
        bias,
        zeros([6], backend),
      ]);
      expectClose(await read(y), await read(h));
    });

    it('checks bias inputs against the bias attr', () => {
      expect(() =>
        run('gru_cell', [random([1, 3]), random([1, 2]), random([6, 3]), random([6, 2]), random([6])], {
          bias: false,
        }),
      ).toThrow('bias is false, but bias_ih was given');
    });
  });

  describe('rnn', () => {
    const [B, T, I, H] = [2, 3, 2, 3];
    const weights = () => [input([H, I]), input([H, H]), input([H]), input([H])];

    it.each([
      ['tanh', true],
      ['relu', true],
      ['tanh', false],
    ])(
      'has gradients matching finite differences for output and h_n (%s, batch_first %s)',
      async (nonlinearity, batch_first) => {
        const x = input(batch_first ? [B, T, I] : [T, B, I]);
        const specs = [x, input([1, B, H]), ...weights()];
        const rnn = (t: Tensor[]) =>
          runAll('rnn', t, { nonlinearity: nonlinearity as 'tanh' | 'relu', batch_first });
        // relu has a kink at 0: a smaller step keeps the finite differences on one side of it
        const h = nonlinearity === 'relu' ? 1e-3 : 1e-2;
        expect(await gradientMismatches(rnn, specs, backend, { h })).toEqual([]);
      },
    );

    it('ends h_n with the last output step, and runs like the unrolled tanh cell', async () => {
      const [x, h0, wih, whh] = [random([B, T, I]), random([1, B, H]), random([H, I]), random([H, H])];
      const [output, hN] = runAll('rnn', [x, h0, wih, whh], { batch_first: true, bias: false });
      let h = run('reshape', [h0], { shape: [B, H] });
      for (let t = 0; t < T; t++) {
        const xt = run('reshape', [run('narrow', [x], { dim: 1, start: t, length: 1 })], { shape: [B, I] });
        const pre = run('add', [
          run('matmul', [xt, run('transpose', [wih], { dim0: 0, dim1: 1 })]),
          run('matmul', [h, run('transpose', [whh], { dim0: 0, dim1: 1 })]),
        ]);
        h = run('tanh', [pre]);
        expectClose(await read(run('narrow', [output], { dim: 1, start: t, length: 1 })), await read(h));
      }
      expect(await read(hN)).toEqual(await read(h));
    });

    it('starts from zeros without h0', async () => {
      const [x, wih, whh] = [random([B, T, I]), random([H, I]), random([H, H])];
      const [withZeros] = runAll('rnn', [x, zeros([1, B, H], backend), wih, whh], {
        batch_first: true,
        bias: false,
      });
      const [without] = runAll('rnn', [x, null, wih, whh], { batch_first: true, bias: false });
      expect(await read(without)).toEqual(await read(withZeros));
    });

    it('names size and attr mistakes in PyTorch words', () => {
      const w = [random([H, I]), random([H, H])];
      const attrs = { batch_first: true, bias: false };
      expect(() => runAll('rnn', [random([B, T, 5]), null, ...w], attrs)).toThrow(
        'input.size(-1) must be equal to input_size. Expected 2, got 5',
      );
      expect(() => runAll('rnn', [random([B, T, I]), random([1, 4, H]), ...w], attrs)).toThrow(
        'Expected hidden size (1, 2, 3), got [1, 4, 3]',
      );
      expect(() =>
        runAll('rnn', [random([B, T, I]), null, ...w], { ...attrs, nonlinearity: 'gelu' as 'tanh' }),
      ).toThrow("Unknown nonlinearity 'gelu'. Select from 'tanh' or 'relu'.");
    });
  });
});
