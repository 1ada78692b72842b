import { run } from '../dispatch.ts';
import { AttrError } from '../errors.ts';
import type { OpDef } from '../op.ts';
import { unaryBackwardOp, unaryOp } from './_unary.ts';

export interface GeluAttrs {
  approximate: 'none' | 'tanh';
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TANH_CUBIC = 0.044715;

/**
 * erf for |x| < 2.5 from the series with only positive terms,
 * erf(x) = 2/√π·e^(−x²)·Σ (2x²)ⁿ·x / (1·3·…·(2n+1)), so nothing cancels (about 1e-16 relative).
 */
function erfSeries(x: number): number {
  const twoX2 = 2 * x * x;
  let term = x;
  let total = x;
  for (let n = 0; n < 200 && Math.abs(term) > 1e-17 * Math.abs(total); n++) {
    term *= twoX2 / (2 * n + 3);
    total += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * total;
}

/**
 * erfc for x ≥ 2.5 from its continued fraction
 * erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …)))), evaluated bottom-up.
 */
function erfcFraction(x: number): number {
  let tail = x;
  for (let k = 120; k >= 1; k--) tail = x + k / 2 / tail;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / tail;
}

/** The error function, accurate to about 1e-15 everywhere. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 2.5) return erfSeries(x);
  const tail = a > 27 ? 0 : erfcFraction(a);
  return x > 0 ? 1 - tail : tail - 1;
}

/** 1 − erf(x) without cancellation for large positive x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 2.5) return 1 - erf(x);
  return x > 27 ? 0 : erfcFraction(x);
}

/** The standard normal CDF Φ(x) = ½·erfc(−x/√2), accurate in the far left tail too. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function geluValue(v: number, approximate: GeluAttrs['approximate']): number {
  if (approximate === 'tanh') return 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + TANH_CUBIC * v * v * v)));
  return v * normalCdf(v);
}

function geluDerivative(v: number, approximate: GeluAttrs['approximate']): number {
  if (approximate === 'tanh') {
    const t = Math.tanh(SQRT_2_OVER_PI * (v + TANH_CUBIC * v * v * v));
    return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * TANH_CUBIC * v * v);
  }
  return normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
}

export const gelu: OpDef<GeluAttrs> = unaryOp<GeluAttrs>({
  name: 'gelu',
  defaults: { approximate: 'none' },
  f: (v, { approximate }) => geluValue(v, approximate),
  check: ({ approximate }) =>
    approximate === 'none' || approximate === 'tanh'
      ? null
      : new AttrError(
          'gelu',
          'approximate',
          `argument must be either none or tanh, got ${JSON.stringify(approximate)}`,
        ),
  vjp: ({ inputs: [x] }, dy, attrs) => run('gelu_backward', [dy, x!], attrs),
  formula: 'dX = dY·(Φ(X) + X·φ(X))  (tanh form: d/dX of ½X(1 + tanh(√(2/π)(X + 0.044715X³))))',
});

export const gelu_backward: OpDef<GeluAttrs> = unaryBackwardOp<GeluAttrs>(
  'gelu_backward',
  (v, { approximate }) => geluDerivative(v, approximate),
  'dX = dY·(Φ(X) + X·φ(X))',
);
