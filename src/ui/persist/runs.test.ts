import { describe, expect, it } from 'vitest';
import { emptySeries, memoryRunStore, type RunRecord, summaryOf } from './runs.ts';

function run(id: string, createdAt: number, losses: number[] = []): RunRecord {
  const series = emptySeries();
  losses.forEach((loss, i) => {
    series.steps.push(i + 1);
    series.loss.push(loss);
    series.accuracy.push(null);
    series.lr.push(0.1);
  });
  return {
    id,
    title: `run ${id}`,
    createdAt,
    updatedAt: createdAt,
    doc: '{}',
    seed: 0,
    config: { epochs: 1 },
    backend: 'cpu',
    dataset: 'XOR',
    status: 'paused',
    series,
    epochs: [],
  };
}

describe('the runs store', () => {
  it('lists runs newest first, with their step count and last loss but not their curves', async () => {
    const store = memoryRunStore();
    await store.put(run('a', 1, [2.3, 1.9]));
    await store.put(run('b', 3, [2.3]));
    await store.put(run('c', 2));
    const list = await store.list();
    expect(list.map((r) => r.id)).toEqual(['b', 'c', 'a']);
    expect(list[2]).toMatchObject({ steps: 2, lastLoss: 1.9 });
    expect(list[1]).toMatchObject({ steps: 0, lastLoss: null });
    expect('series' in list[0]).toBe(false);
    expect('doc' in list[0]).toBe(false);
  });

  it('keeps a copy: changing a record after put or get does not change what is stored', async () => {
    const store = memoryRunStore();
    const r = run('a', 1, [1]);
    await store.put(r);
    r.series.loss.push(0.5);
    const got = await store.get('a');
    expect(got?.series.loss).toEqual([1]);
    got?.series.loss.push(7);
    expect((await store.get('a'))?.series.loss).toEqual([1]);
  });

  it('replaces a run put again under its id, and removes one', async () => {
    const store = memoryRunStore();
    await store.put(run('a', 1, [1]));
    await store.put(run('a', 1, [1, 0.5]));
    expect((await store.list()).map((r) => r.steps)).toEqual([2]);
    await store.remove('a');
    expect(await store.list()).toEqual([]);
    expect(await store.get('a')).toBeNull();
  });

  it('summarises a run without its document text or epochs', () => {
    const s = summaryOf(run('x', 5, [3, 2, 1]));
    expect(s).toMatchObject({
      id: 'x',
      title: 'run x',
      steps: 3,
      lastLoss: 1,
      backend: 'cpu',
      status: 'paused',
    });
  });
});
