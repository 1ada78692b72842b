import { describe, expect, it } from 'vitest';
import { saveDocument } from '../../graph/index.ts';
import { catalog } from '../../nodes/index.ts';
import { loadTemplateFile } from '../../templates/node-loader.ts';
import { emptySeries, type RunRecord } from '../persist/runs.ts';
import { compareRuns, runLabel } from './run-diff.ts';

function run(title: string, doc: string, createdAt: number): RunRecord {
  const series = emptySeries();
  series.steps.push(1, 2);
  series.loss.push(2, 1);
  return {
    id: title,
    title,
    createdAt,
    updatedAt: createdAt,
    doc,
    seed: 3,
    config: {},
    backend: 'cpu',
    dataset: 'XOR',
    status: 'done',
    series,
    epochs: [],
  };
}

const lenet = () => {
  const r = loadTemplateFile('lenet', catalog);
  if (!r.ok) throw new Error('lenet does not load');
  return r.template.doc;
};

describe('comparing two runs', () => {
  it('diffs the graphs the runs trained and hands their curves to the chart', () => {
    const before = lenet();
    const after = structuredClone(before);
    after.nodes[1].params.out_channels = 8;
    const at = Date.UTC(2026, 0, 1, 9, 30);
    const c = compareRuns(run('A', saveDocument(before), at), run('B', saveDocument(after), at), catalog);
    if ('error' in c) throw new Error(c.error);
    expect(c.before.nodes[1].params.out_channels).toBe(6);
    expect(c.after.nodes[1].params.out_channels).toBe(8);
    expect(c.runs.map((r) => r.label)).toEqual(['A (seed 3, 09:30)', 'B (seed 3, 09:30)']);
    expect(c.runs[1].series.loss).toEqual([2, 1]);
  });

  it('names the run whose saved graph no longer loads', () => {
    const good = run('good', saveDocument(lenet()), 0);
    const c = compareRuns(good, run('old', '{"format":"something else"}', 0), catalog);
    expect(c).toMatchObject({
      error: expect.stringMatching(/^the graph saved with run “old” does not load: /),
    });
  });

  it('labels a run by title, seed and start time', () => {
    expect(runLabel({ title: 'MLP', seed: 7, createdAt: Date.UTC(2026, 4, 2, 14, 5) })).toBe(
      'MLP (seed 7, 14:05)',
    );
  });
});
