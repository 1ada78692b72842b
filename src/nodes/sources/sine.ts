import { p } from '../params.ts';
import { batched, defineDataset, valFractionParam } from './dataset.ts';
import { dataRng, splitGenerated } from './synthetic.ts';

/** Windows of noisy sine waves; the target is the value one step after the window. */
export const SineWaves = defineDataset({
  type: 'SineWaves',
  aliases: ['sine', 'sequence', 'time series', 'waves'],
  doc: 'Windows of T samples of sin(f·t + φ) + noise with random frequency and phase; the target is the next value (sequence prediction).',
  params: {
    samples: p.int({ default: 1000, min: 1, max: 1_000_000 }),
    seq_len: p.int({ default: 20, min: 1, max: 10_000, doc: 'T: samples per window' }),
    min_freq: p.float({ default: 0.1, min: 0 }),
    max_freq: p.float({ default: 0.5, min: 0 }),
    noise: p.float({ default: 0.05, min: 0 }),
    val_fraction: valFractionParam,
  },
  outputs: (params) => ({ x: batched('float32', params.seq_len, 1), y: batched('float32', 1) }),
  async load(params) {
    const rng = dataRng(params.seed, 5);
    const x: number[] = [];
    const y: number[] = [];
    const lo = Math.min(params.min_freq, params.max_freq);
    const hi = Math.max(params.min_freq, params.max_freq);
    for (let i = 0; i < params.samples; i++) {
      const f = rng.uniform(lo, hi);
      const phase = rng.uniform(0, 2 * Math.PI);
      for (let t = 0; t < params.seq_len; t++) x.push(Math.sin(f * t + phase) + params.noise * rng.normal());
      y.push(Math.sin(f * params.seq_len + phase));
    }
    const g = { x, xShape: [params.seq_len, 1], y, yShape: [1], yDtype: 'float32' as const };
    return splitGenerated(g, params.samples, params.val_fraction, params.seed);
  },
  xDoc: 'windows [N, T, 1]',
  yDoc: 'next value [N, 1]',
});
