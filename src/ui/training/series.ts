/**
 * The training dashboard's data, kept as plain columns: the host's step and epoch metrics
 * appended to a run's series, and the words the dock shows for progress and recompiles.
 * No Solid, no DOM: the panel state and the runs store both use these.
 */
import type { ParamSyncReport } from '../../engine/compile/params.ts';
import type { EpochMetrics, StepMetrics } from '../../engine/runtime/train.ts';
import type { EpochRow, RunSeries } from '../persist/runs.ts';

/** Append one progress report. A step already recorded (a repeated report) replaces nothing and is skipped. */
export function appendStep(series: RunSeries, m: StepMetrics): boolean {
  const last = series.steps[series.steps.length - 1];
  if (last !== undefined && m.step <= last) return false;
  const n = series.steps.length;
  series.steps.push(m.step);
  series.loss.push(m.loss);
  series.accuracy.push(m.accuracy ?? null);
  series.lr.push(Object.values(m.lr)[0] ?? Number.NaN);
  for (const [node, norm] of Object.entries(m.gradNorms)) {
    // a layer added by an edit mid-run has no values for the steps before it
    series.gradNorms[node] ??= new Array(n).fill(null);
    series.gradNorms[node].push(norm);
  }
  for (const column of Object.values(series.gradNorms)) if (column.length === n) column.push(null);
  return true;
}

/** One epoch's row, placed on the step axis at the last step reported. */
export function epochRow(m: EpochMetrics, step: number): EpochRow {
  // evaluator outputs that are one number (accuracy, perplexity); matrices stay out of the row
  const scalars = Object.entries(m.val?.metrics ?? {}).filter(
    (e): e is [string, number] => typeof e[1] === 'number',
  );
  return {
    ...(scalars.length ? { valMetrics: Object.fromEntries(scalars) } : {}),
    epoch: m.epoch,
    step,
    trainLoss: m.trainLoss,
    trainAccuracy: m.trainAccuracy ?? null,
    valLoss: m.val?.loss ?? null,
    valAccuracy: m.val?.accuracy ?? null,
    seconds: m.seconds,
    samplesPerSec: m.samplesPerSec,
  };
}

/** Seconds as "42 s", "3 min 5 s", "1 h 2 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The progress line under the bar: where the run is, how fast, how long this epoch still takes. */
export function progressText(m: StepMetrics, epochs: number): string {
  const rate = Math.round(m.samplesPerSec).toLocaleString('en-US');
  return `epoch ${m.epoch + 1}/${epochs} · batch ${m.batch}/${m.batchesPerEpoch} · ${rate} samples/s · ETA ${formatDuration(m.etaSec)}`;
}

/** A parameter key `<node id>/<name>` (the node id may itself hold '/' inside composites) split at its last '/'. */
export function splitParamKey(key: string): { node: string; name: string } {
  const at = key.lastIndexOf('/');
  return at < 0 ? { node: key, name: '' } : { node: key.slice(0, at), name: key.slice(at + 1) };
}

export interface RecompileSummary {
  /** nodes all of whose parameters kept their weights */
  kept: string[];
  /** nodes with at least one parameter new or re-initialised (its shape changed) */
  initialised: string[];
  /** nodes whose parameters went away with them */
  removed: string[];
  /** how many parameter tensors kept their optimizer state (momentum, Adam moments) */
  optimizerStateKept: number;
}

/** The recompile report per node rather than per tensor: what the user edited is a node. */
export function summariseRecompile(report: ParamSyncReport, optimizerStateKept: string[]): RecompileSummary {
  const nodes = (keys: string[]) => [...new Set(keys.map((k) => splitParamKey(k).node))];
  const initialised = nodes(report.initialised);
  return {
    kept: nodes(report.kept).filter((n) => !initialised.includes(n)),
    initialised,
    removed: nodes(report.removed).filter((n) => !initialised.includes(n)),
    optimizerStateKept: optimizerStateKept.length,
  };
}
