/**
 * What evaluators share: a metric output port, and how a metric's per-batch values combine
 * over many batches (an epoch, a run) — the part a training panel needs beyond the lowering.
 */
import type { AnyNodeDef, OpBuilder } from '../define.ts';
import type { PortDef } from '../types.ts';

/** An evaluator's output: a metric (panels plot it), never a tensor for further layers. */
export const metricPort = (name: string, doc: string): PortDef => ({ name, kind: 'metric', doc });

/**
 * How per-batch values combine: weighted `mean` (by batch size), `sum` (counts, confusion
 * matrices), `ema` (a running loss), or `geometric` (perplexity: average the log, then exp).
 */
export type Accumulation = 'mean' | 'sum' | 'ema' | 'geometric';

export interface MetricState {
  values: number[];
  weight: number;
}

export interface MetricRuntime {
  /** what the lowering reads on its input: the edge's value, or (GradNorm) the edge's gradient */
  reads: 'value' | 'gradient';
  accumulation: Accumulation;
  /** fold one batch's metric values (flattened) into the state; `batch` is the batch size */
  update(
    state: MetricState | null,
    values: ArrayLike<number>,
    batch: number,
    params: Record<string, unknown>,
  ): MetricState;
  read(state: MetricState): number[];
}

export type EvaluatorNodeDef = AnyNodeDef & { metric: MetricRuntime };

export function isEvaluatorNode(def: AnyNodeDef | undefined): def is EvaluatorNodeDef {
  return !!def && 'metric' in def;
}

export function metricRuntime(
  accumulation: Accumulation,
  reads: 'value' | 'gradient' = 'value',
): MetricRuntime {
  return {
    reads,
    accumulation,
    update(state, values, batch, params) {
      const next = Array.from(values, (v) => (accumulation === 'geometric' ? Math.log(v) : v));
      if (!state) return { values: next, weight: accumulation === 'ema' ? 1 : batch };
      if (accumulation === 'sum')
        return { values: state.values.map((v, i) => v + next[i]), weight: state.weight + batch };
      if (accumulation === 'ema') {
        const beta = Number(params.smoothing ?? 0.9);
        return { values: state.values.map((v, i) => beta * v + (1 - beta) * next[i]), weight: 1 };
      }
      const weight = state.weight + batch;
      return { values: state.values.map((v, i) => v + ((next[i] - v) * batch) / weight), weight };
    },
    read: (state) => (accumulation === 'geometric' ? state.values.map(Math.exp) : [...state.values]),
  };
}

/** One-hot rows of class indices, [..., C], through an identity embedding (no gradient reaches the indices). */
export function oneHot<V>(b: OpBuilder<V>, indices: V | null, classes: number): V {
  const eye = new Array<number>(classes * classes).fill(0);
  for (let i = 0; i < classes; i++) eye[i * classes + i] = 1;
  return b.op('embedding', [indices, b.constant(eye, [classes, classes])])[0];
}
