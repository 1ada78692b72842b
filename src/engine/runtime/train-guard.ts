/**
 * The NaN/Inf guard. Detecting is cheap (the loss and the gradients are on the host for the
 * optimizer anyway); locating runs only after a detection: it walks the forward steps in
 * order, then the backward steps (newest op first), and names the first graph node whose
 * output or gradient went non-finite, with statistics of what went into it.
 */
import type { BackwardPass } from '../autograd/backward.ts';
import type { Plan } from '../compile/plan.ts';
import { getOp } from '../dispatch.ts';
import type { Tensor } from '../tensor.ts';

export interface TensorStats {
  shape: number[];
  min: number;
  max: number;
  mean: number;
  std: number;
  nan: number;
  inf: number;
}

export interface NonFiniteReport {
  /** where it first appeared */
  phase: 'forward' | 'backward' | 'update';
  /** the graph node (its id; `outer/inner` inside a composite) */
  node: string;
  op: string;
  /** what was non-finite, in words */
  what: string;
  /** statistics of the tensors that went in (forward: the op's inputs; backward: upstream gradient and inputs) */
  inputs: { name: string; stats: TensorStats }[];
  suggestions: string[];
  /** the optimizer step it happened at */
  step: number;
}

/** Statistics over finite entries, plus how many were NaN and ±Inf. */
export function tensorStats(shape: readonly number[], data: ArrayLike<number>): TensorStats {
  let nan = 0;
  let inf = 0;
  let n = 0;
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (Number.isNaN(x)) nan++;
    else if (!Number.isFinite(x)) inf++;
    else {
      n++;
      sum += x;
      sq += x * x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  const mean = n ? sum / n : Number.NaN;
  return {
    shape: [...shape],
    min,
    max,
    mean,
    std: n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : Number.NaN,
    nan,
    inf,
  };
}

export function allFinite(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}

/** What to try, by the op that first produced a non-finite value. */
export function suggestionsFor(op: string, phase: NonFiniteReport['phase']): string[] {
  const tips: string[] = [];
  if (op === 'log' || op === 'nll_loss' || op === 'binary_cross_entropy') {
    tips.push('check for log of zero: add a small epsilon, or use a log-softmax / with-logits loss');
  }
  if (op === 'div') tips.push('a division by zero: add a small epsilon to the denominator');
  if (op === 'sqrt' || op === 'pow')
    tips.push('sqrt/pow of a negative or zero value: clamp the input or add an epsilon');
  if (op === 'exp' || op === 'softmax')
    tips.push('exp overflowed: use a numerically stable form (log_softmax, cross_entropy on logits)');
  tips.push('lower the learning rate');
  tips.push('clip gradients (set the optimizer’s max_norm)');
  if (phase !== 'update') tips.push('normalise the inputs (e.g. scale pixels to [0, 1])');
  return tips;
}

async function statsOf(t: Tensor | null | undefined): Promise<TensorStats | null> {
  return t ? tensorStats(t.shape, await t.data()) : null;
}

/** The first forward step whose output is non-finite, from the values of one forward pass. */
export async function locateForward(
  plan: Plan,
  values: readonly Tensor[],
  step: number,
): Promise<NonFiniteReport | null> {
  for (const s of plan.steps) {
    for (const [k, id] of s.outputs.entries()) {
      const out = values[id];
      if (out.dtype !== 'float32' || allFinite(await out.data())) continue;
      const op = getOp(s.op);
      const inputs: NonFiniteReport['inputs'] = [];
      for (const [i, v] of s.inputs.entries()) {
        const st = v === null ? null : await statsOf(values[v]);
        if (st) inputs.push({ name: op.inputs[op.variadic ? 0 : i]?.name ?? `input${i}`, stats: st });
      }
      const outName = (op.outputs ?? ['output'])[k];
      return {
        phase: 'forward',
        node: s.source,
        op: s.op,
        what: `${s.op} output '${outName}'`,
        inputs,
        suggestions: suggestionsFor(s.op, 'forward'),
        step,
      };
    }
  }
  return null;
}

/** The first backward step (from the loss back) that produced a non-finite gradient. */
export async function locateBackward(pass: BackwardPass, step: number): Promise<NonFiniteReport | null> {
  for (const s of pass.steps) {
    for (const p of s.produced) {
      if (allFinite(await p.grad.data())) continue;
      const inputs: NonFiniteReport['inputs'] = [];
      for (const [k, u] of s.upstream.entries()) {
        const st = await statsOf(u);
        if (st) inputs.push({ name: `upstream gradient ${k}`, stats: st });
      }
      return {
        phase: 'backward',
        node: s.source ?? '(unlabelled op)',
        op: s.op,
        what: `gradient of ${s.op} for its input '${p.name}'`,
        inputs,
        suggestions: suggestionsFor(s.op, 'backward'),
        step,
      };
    }
  }
  return null;
}
