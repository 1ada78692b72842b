import { p } from '../params.ts';
import { batched, defineDataset, valFractionParam } from './dataset.ts';
import { dataRng, splitGenerated } from './synthetic.ts';

/** XOR: the label is 1 when the two coordinates have different signs. */
export const XOR = defineDataset({
  type: 'XOR',
  aliases: ['xor dataset', 'exclusive or'],
  doc: 'Points uniform in [−1, 1]²; the class is 1 when x₁ and x₂ have different signs (the problem a single layer cannot solve).',
  params: {
    samples: p.int({ default: 400, min: 4, max: 1_000_000 }),
    noise: p.float({ default: 0, min: 0, doc: 'std of Gaussian noise added to the points after labelling' }),
    val_fraction: valFractionParam,
  },
  outputs: () => ({ x: batched('float32', 2), y: batched('int32') }),
  async load(params) {
    const rng = dataRng(params.seed, 3);
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < params.samples; i++) {
      const a = rng.uniform(-1, 1);
      const b = rng.uniform(-1, 1);
      y.push(a * b < 0 ? 1 : 0);
      x.push(a + params.noise * rng.normal(), b + params.noise * rng.normal());
    }
    return splitGenerated(
      { x, xShape: [2], y, yShape: [], yDtype: 'int32', classes: 2 },
      params.samples,
      params.val_fraction,
      params.seed,
    );
  },
  xDoc: 'points [N, 2]',
  yDoc: 'xor label [N] (0 or 1)',
});
