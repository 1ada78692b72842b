import { p } from '../params.ts';
import { batched, defineDataset, valFractionParam } from './dataset.ts';
import { dataRng, laplace, splitGenerated, studentT } from './synthetic.ts';

/**
 * y = x·w + b + ε with a chosen noise law: Gaussian (MSE is its likelihood), Laplace (L1's)
 * or Student-t (heavy tails: where Huber helps). The losses-as-likelihoods notes' data.
 */
export const LinearRegressionData = defineDataset({
  type: 'LinearRegressionData',
  aliases: ['regression', 'linear regression dataset', 'noisy line'],
  doc: 'Features x ~ N(0, 1), targets y = x·w + b + noise with true weights drawn from the seed; the noise is Gaussian, Laplace or Student-t.',
  params: {
    samples: p.int({ default: 1000, min: 1, max: 1_000_000 }),
    features: p.int({ default: 1, min: 1, max: 10_000 }),
    noise: p.enum(['gaussian', 'laplace', 'student_t'], { default: 'gaussian' }),
    noise_scale: p.float({ default: 0.1, min: 0, doc: 'σ (Gaussian), b (Laplace) or the scale of the t' }),
    dof: p.float({ default: 3, min: 0.1, exclusiveMin: false, doc: 'Student-t degrees of freedom ν' }),
    val_fraction: valFractionParam,
  },
  outputs: (params) => ({ x: batched('float32', params.features), y: batched('float32', 1) }),
  async load(params) {
    const rng = dataRng(params.seed, 4);
    const w = Array.from({ length: params.features }, () => rng.uniform(-2, 2));
    const bias = rng.uniform(-1, 1);
    const x: number[] = [];
    const y: number[] = [];
    const noise = () =>
      params.noise === 'gaussian'
        ? params.noise_scale * rng.normal()
        : params.noise === 'laplace'
          ? laplace(rng, params.noise_scale)
          : studentT(rng, params.dof, params.noise_scale);
    for (let i = 0; i < params.samples; i++) {
      let target = bias;
      for (let j = 0; j < params.features; j++) {
        const v = rng.normal();
        x.push(v);
        target += v * w[j];
      }
      y.push(target + noise());
    }
    return splitGenerated(
      { x, xShape: [params.features], y, yShape: [1], yDtype: 'float32' },
      params.samples,
      params.val_fraction,
      params.seed,
    );
  },
  xDoc: 'features [N, features]',
  yDoc: 'targets [N, 1]',
});
