import { p } from '../params.ts';
import { batched, defineDataset, valFractionParam } from './dataset.ts';
import { dataRng, splitGenerated } from './synthetic.ts';

/** Isotropic Gaussian clusters, one per class (like sklearn's make_blobs). */
export const GaussianBlobs = defineDataset({
  type: 'GaussianBlobs',
  aliases: ['blobs', 'clusters', 'make_blobs'],
  doc: 'Gaussian clusters, one per class, with centres drawn uniformly in [−box, box] per feature.',
  params: {
    samples: p.int({ default: 1000, min: 1, max: 1_000_000 }),
    classes: p.int({ default: 3, min: 2, max: 1000 }),
    features: p.int({ default: 2, min: 1, max: 10_000 }),
    spread: p.float({ default: 1, min: 0, doc: 'std of each cluster' }),
    box: p.float({ default: 10, min: 0, doc: 'centres lie in [−box, box]' }),
    val_fraction: valFractionParam,
  },
  outputs: (params) => ({ x: batched('float32', params.features), y: batched('int32') }),
  async load(params) {
    const rng = dataRng(params.seed, 2);
    const centres = Array.from({ length: params.classes }, () =>
      Array.from({ length: params.features }, () => rng.uniform(-params.box, params.box)),
    );
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < params.samples; i++) {
      const cls = i % params.classes;
      for (const c of centres[cls]) x.push(c + params.spread * rng.normal());
      y.push(cls);
    }
    const g = {
      x,
      xShape: [params.features],
      y,
      yShape: [],
      yDtype: 'int32' as const,
      classes: params.classes,
    };
    return splitGenerated(g, params.samples, params.val_fraction, params.seed);
  },
  xDoc: 'points [N, features]',
  yDoc: 'cluster index [N]',
});
