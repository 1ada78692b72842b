/**
 * The planned learning rate of a scheduler node. Scheduler node types carry a `schedule`
 * runtime (src/nodes/schedulers) whose `plan(params, steps, init, chained)` gives the lr per
 * optimizer step; a SequentialLR plans the configs of the schedulers wired into it.
 */
import type { NodeId } from '../../graph/index.ts';
import type { AnyNodeDef } from '../../nodes/index.ts';
import type { Editor } from '../state/editor.ts';

interface ScheduleLike {
  config(params: Record<string, unknown>, chained?: unknown[]): unknown;
  plan(
    params: Record<string, unknown>,
    steps: number,
    init?: unknown,
    chained?: unknown[],
  ): { lrs: readonly number[] };
  lastStep(params: Record<string, unknown>, chained?: unknown[]): number | undefined;
}

/** The node type's schedule runtime, when it is a scheduler. */
export function scheduleOf(def: AnyNodeDef | undefined): ScheduleLike | null {
  const schedule = (def as { schedule?: Partial<ScheduleLike> } | undefined)?.schedule;
  return typeof schedule?.plan === 'function' && typeof schedule.config === 'function'
    ? (schedule as ScheduleLike)
    : null;
}

/** Steps plotted: up to where the schedule ends (OneCycleLR), else `steps`. */
const MAX_STEPS = 300;

export function plannedLr(
  def: AnyNodeDef | undefined,
  params: Record<string, unknown>,
  chained: unknown[] = [],
  steps = 100,
): number[] | null {
  const schedule = scheduleOf(def);
  if (!schedule) return null;
  try {
    const last = schedule.lastStep(params, chained);
    const count = last === undefined ? steps : Math.max(2, Math.min(MAX_STEPS, last + 1));
    const values = schedule.plan(params, count, undefined, chained).lrs;
    return values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v))
      ? [...values]
      : null;
  } catch {
    // a bad param combination: the inspector shows the params' own errors instead
    return null;
  }
}

/** An SVG polyline `points` string for values over a width × height box (y grows down). */
export function curvePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(...values);
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  const dx = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * dx).toFixed(1)},${(height - ((v - min) / span) * height).toFixed(1)}`)
    .join(' ');
}

/** The configs of the schedulers wired into a node's schedule inputs, in port order (SequentialLR). */
export function chainedConfigs(editor: Editor, id: NodeId, seen = new Set<NodeId>()): unknown[] {
  if (seen.has(id)) return [];
  seen.add(id);
  const configs: unknown[] = [];
  for (const port of editor.ports(id)?.inputs ?? []) {
    if (port.kind !== 'schedule') continue;
    // the editor's own document: inside an opened composite it is the inner graph
    const edge = editor.doc().edges.find((e) => e.to.node === id && e.to.port === port.name);
    const from = edge && editor.node(edge.from.node);
    const schedule = from && scheduleOf(editor.catalog.get(from.type));
    if (from && schedule) configs.push(schedule.config(from.params, chainedConfigs(editor, from.id, seen)));
  }
  return configs;
}
