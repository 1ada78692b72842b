/**
 * Shared pieces of the generated datasets: a seeded generator per dataset, and the split of
 * generated samples into train and validation.
 */

import { Rng } from '../../engine/random.ts';
import { permutation } from '../../engine/runtime/train-data.ts';
import type { DType } from '../../engine/tensor.ts';
import type { DatasetSplit, LoadedDataset } from './dataset.ts';
import { splitSamples } from './dataset.ts';

/** A generator's output: every sample, before the split. */
export interface Generated {
  x: number[] | Float32Array | Int32Array;
  xShape: number[];
  xDtype?: DType;
  y: number[] | Float32Array | Int32Array;
  yShape: number[];
  yDtype: DType;
  classes?: number;
}

/** A generator's random source, separate from the split's and the shuffle's. */
export const dataRng = (seed: number, salt: number) => new Rng((seed * 2654435761 + salt) >>> 0);

/** Hold out `valFraction` of the generated samples (a seeded order), the rest trains. */
export function splitGenerated(
  g: Generated,
  samples: number,
  valFraction: number,
  seed: number,
): LoadedDataset {
  const all: DatasetSplit = {
    x: {
      data: g.xDtype === 'int32' ? Int32Array.from(g.x) : Float32Array.from(g.x),
      sampleShape: g.xShape,
      dtype: g.xDtype ?? 'float32',
    },
    y: {
      data: g.yDtype === 'int32' ? Int32Array.from(g.y) : Float32Array.from(g.y),
      sampleShape: g.yShape,
      dtype: g.yDtype,
    },
  };
  const held = Math.round(samples * valFraction);
  const { train, val } = splitSamples(all, permutation(samples, (seed ^ 0x5bd1e995) >>> 0), samples - held);
  return { train, val: held > 0 ? val : null, classes: g.classes };
}

/** Laplace(0, b) by inverse CDF. */
export function laplace(rng: Rng, b: number): number {
  const u = rng.next() - 0.5;
  return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

/** Student-t with ν degrees of freedom, scaled: Z / √(χ²_ν / ν) (χ² as a sum of ν squared normals for integer ν, else a gamma draw). */
export function studentT(rng: Rng, dof: number, scale: number): number {
  const z = rng.normal();
  return (scale * z) / Math.sqrt((gamma(rng, dof / 2) * 2) / dof);
}

/** Gamma(k, 1) by Marsaglia–Tsang (k < 1 boosted). */
function gamma(rng: Rng, k: number): number {
  if (k < 1) return gamma(rng, k + 1) * rng.next() ** (1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
