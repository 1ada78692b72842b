import { p } from '../params.ts';
import { batched, defineDataset, valFractionParam } from './dataset.ts';
import { dataRng, splitGenerated } from './synthetic.ts';

/** Two interleaved spirals, one per class: a classic that a linear model cannot separate. */
export const TwoSpirals = defineDataset({
  type: 'TwoSpirals',
  aliases: ['spirals', 'spiral dataset'],
  doc: 'Points on two interleaved spirals (class 0 and 1) with Gaussian noise: not linearly separable.',
  params: {
    samples: p.int({ default: 1000, min: 2, max: 1_000_000 }),
    turns: p.float({ default: 1.5, min: 0.25, max: 10, doc: 'how many times each spiral winds' }),
    noise: p.float({ default: 0.1, min: 0, doc: 'std of the Gaussian noise added to each coordinate' }),
    val_fraction: valFractionParam,
  },
  outputs: () => ({ x: batched('float32', 2), y: batched('int32') }),
  async load(params) {
    const rng = dataRng(params.seed, 1);
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < params.samples; i++) {
      const cls = i % 2;
      const t = rng.next();
      const angle = t * params.turns * 2 * Math.PI + cls * Math.PI;
      x.push(
        t * Math.cos(angle) + params.noise * rng.normal(),
        t * Math.sin(angle) + params.noise * rng.normal(),
      );
      y.push(cls);
    }
    return splitGenerated(
      { x, xShape: [2], y, yShape: [], yDtype: 'int32', classes: 2 },
      params.samples,
      params.val_fraction,
      params.seed,
    );
  },
  xDoc: 'points [N, 2]',
  yDoc: 'spiral index [N] (0 or 1)',
});
