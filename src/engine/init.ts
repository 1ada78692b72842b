/**
 * PyTorch's parameter initialisers (torch.nn.init), drawing from a seeded Rng. Each one is a
 * spec (fans, gain, bound, std: the formulas) plus a sampler, so the numbers can be checked
 * without drawing a single value.
 */
import type { Backend } from './backend.ts';
import { defaultBackend } from './context.ts';
import { fill, tensor } from './create.ts';
import { AttrError, ShapeError } from './errors.ts';
import type { Rng } from './random.ts';
import { allocFloat, type FloatDType, type Shape, sizeOf, type Tensor } from './tensor.ts';

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

export type FanMode = 'fan_in' | 'fan_out';

/** The distribution an initialiser draws from, with the numbers that define it. */
export interface InitSpec {
  distribution: 'uniform' | 'normal';
  fanIn: number;
  fanOut: number;
  /** null where the init has no gain (default bias) */
  gain: number | null;
  /** half-width of U(−bound, bound); null for normal inits */
  bound: number | null;
  /** standard deviation of the values: bound/√3 for uniform */
  std: number;
}

const LINEAR_GAIN = new Set<string>([
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'conv_transpose1d',
  'conv_transpose2d',
  'conv_transpose3d',
  'sigmoid',
]);

/** torch.nn.init.calculate_gain: the factor that keeps activations' variance steady through `nonlinearity`. */
export function calculateGain(nonlinearity: Nonlinearity | string, param: number | null = null): number {
  if (LINEAR_GAIN.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      if (param !== null && (typeof param !== 'number' || !Number.isFinite(param))) {
        throw new AttrError('calculate_gain', 'param', `negative_slope ${param} not a valid number`);
      }
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new AttrError('calculate_gain', 'nonlinearity', `Unsupported nonlinearity ${nonlinearity}`);
  }
}

/**
 * fan_in = shape[1]·receptive field, fan_out = shape[0]·receptive field, where the receptive
 * field is the product of shape[2:] (PyTorch's _calculate_fan_in_and_fan_out).
 */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new ShapeError(
      'init',
      'Fan in and fan out can not be computed for tensor with fewer than 2 dimensions',
    );
  }
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function uniformSpec(fanIn: number, fanOut: number, gain: number | null, bound: number): InitSpec {
  return { distribution: 'uniform', fanIn, fanOut, gain, bound, std: bound / Math.sqrt(3) };
}

function normalSpec(fanIn: number, fanOut: number, gain: number, std: number): InitSpec {
  return { distribution: 'normal', fanIn, fanOut, gain, bound: null, std };
}

/** xavier_uniform_: bound = gain·√(6/(fan_in + fan_out)). */
export function xavierUniformSpec(shape: Shape, gain = 1): InitSpec {
  const { fanIn, fanOut } = fans(shape);
  return uniformSpec(fanIn, fanOut, gain, gain * Math.sqrt(6 / (fanIn + fanOut)));
}

/** xavier_normal_: std = gain·√(2/(fan_in + fan_out)). */
export function xavierNormalSpec(shape: Shape, gain = 1): InitSpec {
  const { fanIn, fanOut } = fans(shape);
  return normalSpec(fanIn, fanOut, gain, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

export interface KaimingOptions {
  /** the negative slope of the leaky_relu that follows (0 = relu) */
  a?: number;
  mode?: FanMode | string;
  nonlinearity?: Nonlinearity | string;
}

function kaimingStd(shape: Shape, { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' }: KaimingOptions) {
  if (mode !== 'fan_in' && mode !== 'fan_out') {
    throw new AttrError(
      'kaiming',
      'mode',
      `Mode ${mode} not supported, please use one of ['fan_in', 'fan_out']`,
    );
  }
  const { fanIn, fanOut } = fans(shape);
  const gain = calculateGain(nonlinearity, a);
  return { fanIn, fanOut, gain, std: gain / Math.sqrt(mode === 'fan_in' ? fanIn : fanOut) };
}

/** kaiming_uniform_: std = gain/√fan, bound = √3·std. Defaults a = 0, fan_in, leaky_relu. */
export function kaimingUniformSpec(shape: Shape, options: KaimingOptions = {}): InitSpec {
  const { fanIn, fanOut, gain, std } = kaimingStd(shape, options);
  return uniformSpec(fanIn, fanOut, gain, Math.sqrt(3) * std);
}

/** kaiming_normal_: N(0, (gain/√fan)²). */
export function kaimingNormalSpec(shape: Shape, options: KaimingOptions = {}): InitSpec {
  const { fanIn, fanOut, gain, std } = kaimingStd(shape, options);
  return normalSpec(fanIn, fanOut, gain, std);
}

/** nn.Linear / nn.Conv default weight: kaiming_uniform_ with a = √5, i.e. bound = 1/√fan_in. */
export function defaultWeightSpec(weightShape: Shape): InitSpec {
  return kaimingUniformSpec(weightShape, { a: Math.sqrt(5) });
}

/** nn.Linear / nn.Conv default bias: U(±1/√fan_in) with the weight's fan_in (0 when fan_in is 0). */
export function defaultBiasSpec(weightShape: Shape): InitSpec {
  const { fanIn, fanOut } = fans(weightShape);
  return uniformSpec(fanIn, fanOut, null, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0);
}

export type InitName =
  | 'xavier_uniform'
  | 'xavier_normal'
  | 'kaiming_uniform'
  | 'kaiming_normal'
  | 'default_bias';

/** Parameters of an initialiser by PyTorch's names (`gain`; `a`, `mode`, `nonlinearity`; `weight_shape`). */
export interface InitParams extends KaimingOptions {
  gain?: number;
  /** default_bias: the shape of the weight whose fan_in sets the bound */
  weight_shape?: number[];
}

/** The spec of an initialiser named as torch.nn.init names it (and `default_bias` for layer biases). */
export function initSpec(init: InitName | string, shape: Shape, params: InitParams = {}): InitSpec {
  switch (init) {
    case 'xavier_uniform':
      return xavierUniformSpec(shape, params.gain ?? 1);
    case 'xavier_normal':
      return xavierNormalSpec(shape, params.gain ?? 1);
    case 'kaiming_uniform':
      return kaimingUniformSpec(shape, params);
    case 'kaiming_normal':
      return kaimingNormalSpec(shape, params);
    case 'default_bias':
      if (!params.weight_shape) throw new AttrError('default_bias', 'weight_shape', 'is required');
      return defaultBiasSpec(params.weight_shape);
    default:
      throw new AttrError('init', 'init', `unknown initialiser '${init}'`);
  }
}

/** Values from a spec's distribution, centred on 0, as float32 (or float64: the draws unrounded). */
export function sample(
  spec: InitSpec,
  shape: Shape,
  rng: Rng,
  backend: Backend = defaultBackend(),
  dtype: FloatDType = 'float32',
): Tensor {
  const values = allocFloat(dtype, sizeOf(shape));
  if (spec.distribution === 'uniform') rng.fillUniform(values, -spec.bound!, spec.bound!);
  else rng.fillNormal(values, 0, spec.std);
  return tensor(values, shape, dtype, backend);
}

export function xavierUniform(shape: Shape, rng: Rng, gain = 1, backend?: Backend): Tensor {
  return sample(xavierUniformSpec(shape, gain), shape, rng, backend);
}

export function xavierNormal(shape: Shape, rng: Rng, gain = 1, backend?: Backend): Tensor {
  return sample(xavierNormalSpec(shape, gain), shape, rng, backend);
}

export function kaimingUniform(
  shape: Shape,
  rng: Rng,
  options: KaimingOptions = {},
  backend?: Backend,
): Tensor {
  return sample(kaimingUniformSpec(shape, options), shape, rng, backend);
}

export function kaimingNormal(
  shape: Shape,
  rng: Rng,
  options: KaimingOptions = {},
  backend?: Backend,
): Tensor {
  return sample(kaimingNormalSpec(shape, options), shape, rng, backend);
}

/** The weight and bias nn.Linear(in, out) / nn.ConvNd start with, for a weight of `weightShape`. */
export function defaultLayerInit(
  weightShape: Shape,
  biasShape: Shape | null,
  rng: Rng,
  backend?: Backend,
): { weight: Tensor; bias: Tensor | null } {
  const weight = sample(defaultWeightSpec(weightShape), weightShape, rng, backend);
  const bias = biasShape ? sample(defaultBiasSpec(weightShape), biasShape, rng, backend) : null;
  return { weight, bias };
}

/** U(lo, hi), like nn.init.uniform_. */
export function uniform(
  shape: Shape,
  rng: Rng,
  lo = 0,
  hi = 1,
  backend: Backend = defaultBackend(),
  dtype: FloatDType = 'float32',
): Tensor {
  return tensor(rng.fillUniform(allocFloat(dtype, sizeOf(shape)), lo, hi), shape, dtype, backend);
}

/** N(mean, std²), like nn.init.normal_ (e.g. std 0.01 for the D2L classics). */
export function normal(
  shape: Shape,
  rng: Rng,
  std = 1,
  mean = 0,
  backend: Backend = defaultBackend(),
  dtype: FloatDType = 'float32',
): Tensor {
  if (!(std >= 0)) throw new AttrError('normal', 'std', `must be non-negative, got ${std}`);
  return tensor(rng.fillNormal(allocFloat(dtype, sizeOf(shape)), mean, std), shape, dtype, backend);
}

/** All zeros, like nn.init.zeros_ (biases, BatchNorm shifts). */
export function zerosInit(
  shape: Shape,
  backend: Backend = defaultBackend(),
  dtype: FloatDType = 'float32',
): Tensor {
  return fill(shape, 0, backend, dtype);
}

/** All ones, like nn.init.ones_ (BatchNorm/LayerNorm scales). */
export function onesInit(
  shape: Shape,
  backend: Backend = defaultBackend(),
  dtype: FloatDType = 'float32',
): Tensor {
  return fill(shape, 1, backend, dtype);
}
