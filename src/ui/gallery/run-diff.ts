/**
 * Two training runs compared: each run keeps the graph it trained (a saved document), so
 * the structural diff is of their graphs, and their curves go into one chart. A snapshot
 * that no longer loads (an older format, a node type since removed) is named, not thrown.
 */
import { type GraphDocument, loadDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import type { RunRecord } from '../persist/runs.ts';
import type { RunCurves } from '../training/charts.ts';

export interface RunComparison {
  before: GraphDocument;
  after: GraphDocument;
  runs: RunCurves[];
}

/** How a run is named in the chart's legend: its title, seed and the start time. */
export function runLabel(run: Pick<RunRecord, 'title' | 'seed' | 'createdAt'>): string {
  const at = new Date(run.createdAt).toISOString().slice(11, 16);
  return `${run.title} (seed ${run.seed}, ${at})`;
}

export function compareRuns(
  before: RunRecord,
  after: RunRecord,
  catalog: Catalog,
): RunComparison | { error: string } {
  const docs: GraphDocument[] = [];
  for (const run of [before, after]) {
    const loaded = loadDocument(run.doc, catalog);
    if (!loaded.ok) {
      const first = loaded.errors[0];
      return {
        error: `the graph saved with run “${run.title}” does not load: ${first.path} ${first.message}`,
      };
    }
    docs.push(loaded.doc);
  }
  return {
    before: docs[0],
    after: docs[1],
    runs: [before, after].map((r) => ({ label: runLabel(r), series: r.series, epochs: r.epochs })),
  };
}
