/**
 * Probe: a breakpoint placed on an edge. It passes its tensor through unchanged (no op, so
 * gradients pass through as they are) and tells the training loop when to pause: on a
 * non-finite value, a norm above a threshold, or every k steps. It can also pick out one
 * example of the batch, to trace it through every node.
 */
import { defineNode, shapeError, tensorPort } from '../define.ts';
import { p } from '../params.ts';

export const PROBE_CONDITIONS = ['non_finite', 'norm_above', 'every_k'] as const;
export type ProbeCondition = (typeof PROBE_CONDITIONS)[number];

export interface ProbeParams {
  condition: ProbeCondition;
  threshold: number;
  every: number;
  /** the batch index traced through the graph; null traces none */
  example: number | null;
}

export const Probe = defineNode({
  type: 'Probe',
  group: 'evaluators',
  aliases: ['breakpoint', 'watch', 'debug', 'inspect'],
  doc: 'A breakpoint on an edge: passes the tensor through and pauses training when its condition holds (a non-finite value, a norm above a threshold, every k steps).',
  formula: 'y = x',
  params: {
    condition: p.enum(PROBE_CONDITIONS, { default: 'non_finite' }),
    threshold: p.float({ default: 100, min: 0, doc: 'for norm_above: pause when ‖x‖ exceeds it' }),
    every: p.int({ default: 100, min: 1, doc: 'for every_k: pause every k training steps' }),
    example: p.int({
      default: null,
      nullable: true,
      min: 0,
      doc: 'batch index of one example to trace through every node',
    }),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer: ([x]) =>
    x
      ? [{ dtype: x.dtype, dims: [...x.dims] }]
      : shapeError('missing_input', 'Probe needs an input', { port: 'input' }),
  lower: (_b, [x]) => [x!],
  paramCount: () => 0,
});

export interface ProbeHit {
  pause: boolean;
  /** why it pauses, in words; null when it does not */
  reason: string | null;
  norm: number;
  nonFinite: number;
}

/** Whether a probe pauses at this training step, given its tensor's values. */
export function checkProbe(params: ProbeParams, values: ArrayLike<number>, step: number): ProbeHit {
  let sq = 0;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) sq += v * v;
    else nonFinite++;
  }
  const norm = nonFinite > 0 ? Number.NaN : Math.sqrt(sq);
  const hit = (reason: string | null): ProbeHit => ({ pause: reason !== null, reason, norm, nonFinite });
  // a non-finite value pauses whatever the condition: nothing after it is meaningful
  if (nonFinite > 0) return hit(`${nonFinite} non-finite value${nonFinite > 1 ? 's' : ''} at step ${step}`);
  if (params.condition === 'norm_above' && norm > params.threshold) {
    return hit(`‖x‖ = ${norm.toPrecision(4)} > ${params.threshold} at step ${step}`);
  }
  if (params.condition === 'every_k' && step > 0 && step % params.every === 0)
    return hit(`step ${step} (every ${params.every})`);
  return hit(null);
}

/** One example's slice of a batch tensor (index along dim 0), to trace it through the graph. */
export function traceExample(
  shape: readonly number[],
  values: ArrayLike<number>,
  example: number,
): { shape: number[]; values: number[] } | null {
  if (shape.length === 0 || example < 0 || example >= shape[0]) return null;
  const row = shape.slice(1).reduce((a, b) => a * b, 1);
  return { shape: shape.slice(1), values: Array.from({ length: row }, (_, i) => values[example * row + i]) };
}
