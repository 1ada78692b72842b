import { p } from '../params.ts';
import { batched, defineDataset, valFractionParam } from './dataset.ts';
import { dataRng, splitGenerated } from './synthetic.ts';

/** Random token sequences and their copy or reverse: the toy sequence-to-sequence task. */
export const CopyTask = defineDataset({
  type: 'CopyTask',
  aliases: ['copy', 'reverse', 'seq2seq toy', 'token task'],
  doc: 'Random sequences of T tokens from 1…vocab−1 (0 is kept for padding); the target is the same sequence (copy) or reversed.',
  params: {
    samples: p.int({ default: 2000, min: 1, max: 1_000_000 }),
    seq_len: p.int({ default: 8, min: 1, max: 4096 }),
    vocab: p.int({ default: 10, min: 2, max: 100_000, doc: 'token ids 0…vocab−1; 0 is padding' }),
    mode: p.enum(['copy', 'reverse'], { default: 'copy' }),
    val_fraction: valFractionParam,
  },
  outputs: (params) => ({ x: batched('int32', params.seq_len), y: batched('int32', params.seq_len) }),
  async load(params) {
    const rng = dataRng(params.seed, 6);
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < params.samples; i++) {
      const seq = Array.from({ length: params.seq_len }, () => 1 + rng.int(params.vocab - 1));
      x.push(...seq);
      y.push(...(params.mode === 'reverse' ? [...seq].reverse() : seq));
    }
    const g = {
      x,
      xShape: [params.seq_len],
      xDtype: 'int32' as const,
      y,
      yShape: [params.seq_len],
      yDtype: 'int32' as const,
      classes: params.vocab,
    };
    return splitGenerated(g, params.samples, params.val_fraction, params.seed);
  },
  xDoc: 'source tokens [N, T]',
  yDoc: 'target tokens [N, T]',
});
