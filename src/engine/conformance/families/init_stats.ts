import { calculateGain, type InitParams, type InitSpec, initSpec, sample } from '../../init.ts';
import { Rng } from '../../random.ts';
import { sizeOf } from '../../tensor.ts';
import { compareValues, Verdict } from '../compare.ts';
import type { CaseResult, FamilyContext, RefCase } from '../types.ts';

interface InitCase extends RefCase {
  init: string;
  tensor_shape: number[] | null;
  params: Record<string, unknown>;
  fan_in?: number;
  fan_out?: number;
  gain: number | null;
  bound?: number;
  std?: number;
}

/** Enough draws that the sample std is within ~0.3% of the true one (σ/√(2N)), far inside the check. */
const MIN_SAMPLES = 100_000;
/** How far the sample std may stray from the formula's std (relative). */
const STD_TOLERANCE = 0.02;

/**
 * Draw at least MIN_SAMPLES values with the initialiser (several tensors of the case's shape)
 * and check their spread: std within 2% of the formula, mean near 0, uniform draws inside
 * ±bound and reaching close to it.
 */
async function checkSample(
  v: Verdict,
  spec: InitSpec,
  shape: number[],
  { backend }: FamilyContext,
): Promise<void> {
  const perDraw = Math.max(sizeOf(shape), 1);
  const draws = Math.ceil(MIN_SAMPLES / perDraw);
  const rng = new Rng(1234);
  let n = 0;
  let total = 0;
  let squares = 0;
  let largest = 0;
  for (let k = 0; k < draws; k++) {
    const values = await sample(spec, shape, rng, backend).data();
    for (const x of values) {
      n++;
      total += x;
      squares += x * x;
      largest = Math.max(largest, Math.abs(x));
    }
  }
  const mean = total / n;
  const std = Math.sqrt(squares / n - mean * mean);
  if (Math.abs(std - spec.std) > STD_TOLERANCE * spec.std) {
    v.fail(
      `sampled std ${std.toPrecision(6)} is not within ${STD_TOLERANCE * 100}% of ${spec.std.toPrecision(6)}`,
    );
  }
  // the sample mean has a standard error of std/√n; 6 of those is a generous bound
  if (Math.abs(mean) > (6 * spec.std) / Math.sqrt(n))
    v.fail(`sampled mean ${mean.toPrecision(4)} is not near 0`);
  if (spec.bound !== null) {
    if (largest > spec.bound * (1 + 1e-6))
      v.fail(`sampled |value| ${largest} exceeds the bound ${spec.bound}`);
    if (largest < spec.bound * 0.99)
      v.fail(`sampled values never come near the bound ${spec.bound} (max ${largest})`);
  }
}

function checkNumber(v: Verdict, what: string, got: number | null, want: number | null | undefined): void {
  if (want === undefined) return;
  if (want === null || got === null) {
    if (want !== got) v.fail(`${what}: got ${got}, expected ${want}`);
    return;
  }
  v.add(compareValues(what, [got], [want]));
}

/**
 * `init_stats` cases: the fans, gain, bound and std each initialiser's formula gives must
 * match the case, and values drawn with it must have that std.
 */
export async function runInitStatsCase(raw: RefCase, ctx: FamilyContext): Promise<CaseResult> {
  const c = raw as InitCase;
  const v = new Verdict();
  try {
    if (c.init === 'calculate_gain') {
      const { nonlinearity, param } = c.params as { nonlinearity: string; param: number | null };
      checkNumber(v, 'gain', calculateGain(nonlinearity, param), c.gain);
      return v.result(c.id);
    }
    const spec = initSpec(c.init, c.tensor_shape ?? [], c.params as InitParams);
    if (spec.fanIn !== c.fan_in) v.fail(`fan_in: got ${spec.fanIn}, expected ${c.fan_in}`);
    if (spec.fanOut !== c.fan_out) v.fail(`fan_out: got ${spec.fanOut}, expected ${c.fan_out}`);
    checkNumber(v, 'gain', spec.gain, c.gain);
    checkNumber(v, 'bound', spec.bound, c.bound);
    checkNumber(v, 'std', spec.std, c.std);
    await checkSample(v, spec, c.tensor_shape ?? [], ctx);
  } catch (e) {
    return {
      id: c.id,
      ok: false,
      unsupported: /unknown initialiser/.test((e as Error).message),
      message: (e as Error).message,
    };
  }
  return v.result(c.id);
}
