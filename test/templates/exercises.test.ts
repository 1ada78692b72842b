/** What the exercise templates are there to show, checked on their live values and training paths. */
import { describe, expect, it } from 'vitest';
import { GraphStore, type GraphDocument, LiveValues, type NodeId } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { loadTemplateFile } from '../../src/templates/node-loader.ts';
import { type Trajectory, TrajectoryError, traceTrajectories } from '../../src/templates/trajectory.ts';

function templateDoc(name: string): GraphDocument {
  const r = loadTemplateFile(name, catalog);
  if (!r.ok) throw new Error(`${name}: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.template.doc;
}

/** Live values of the nodes whose label starts with `label`. */
function liveByLabel(doc: GraphDocument): (label: string) => number[] {
  const live = new LiveValues(new GraphStore({ catalog, doc }));
  return (label) => {
    const node = doc.nodes.find((n) => n.label?.startsWith(label));
    if (!node) throw new Error(`no node labelled ${label}`);
    const v = live.valueOf(node.id as NodeId);
    if (v.status !== 'ok') throw new Error(`${label}: ${v.reason}`);
    return Object.values(v.outputs)[0].toArray() as number[];
  };
}

describe('log-sum-exp stability', () => {
  const value = liveByLabel(templateDoc('log_sum_exp_stability'));
  const lse = (row: number[]) => Math.log(row.reduce((s, z) => s + Math.exp(z - 3), 0)) + 3;

  it('the naive path overflows on the row near 1000 and is right on the small row', () => {
    const [small, big] = value('naive log-sum-exp');
    expect(small).toBeCloseTo(lse([1, 2, 3]), 5);
    expect(big).toBe(Number.POSITIVE_INFINITY);
    const softmax = value('naive softmax');
    expect(softmax.slice(3).every(Number.isNaN)).toBe(true);
    expect(softmax.slice(0, 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('the max-shifted path is finite and exact on both rows; the Softmax node too', () => {
    const [small, big] = value('stable log-sum-exp');
    expect(small).toBeCloseTo(lse([1, 2, 3]), 5);
    expect(big).toBeCloseTo(1000 + lse([1, 2, 3]) - 1, 3); // = 1002.4076
    const softmax = value('Softmax node');
    expect(softmax.every(Number.isFinite)).toBe(true);
    for (let i = 0; i < 3; i++) expect(softmax[i + 3]).toBeCloseTo(softmax[i], 6); // shift-invariant
  });
});

describe('SGD vs momentum on the ill-conditioned quadratic', () => {
  const doc = templateDoc('sgd_vs_momentum');
  const trace = async (d: GraphDocument, steps: number): Promise<Trajectory[]> => {
    const paths = await traceTrajectories(d, catalog, { steps });
    if (paths instanceof Error) throw paths;
    return paths;
  };
  const distance = ([a, b]: [number, number]) => Math.hypot(a, b);

  it('SGD follows x ← (1 − 2·lr·c)·x per axis; momentum gets much closer in the same steps', async () => {
    const [sgd, momentum] = await trace(doc, 20);
    expect(sgd.label).toMatch(/^SGD, lr 0.4/);
    expect(sgd.points).toHaveLength(21);
    expect(sgd.points[0]).toEqual([-5, -2]);
    for (const t of [1, 5, 20]) {
      expect(sgd.points[t][0]).toBeCloseTo(-5 * 0.92 ** t, 4); // 1 − 2·0.4·0.1
      expect(sgd.points[t][1]).toBeCloseTo(-2 * (-0.6) ** t, 4); // 1 − 2·0.4·2: a zig-zag
    }
    expect(distance(momentum.points[20])).toBeLessThan(distance(sgd.points[20]) / 5);
    // the objective behind the plot: f(x) = 0.1·x₁² + 2·x₂²
    expect(await sgd.lossAt([-5, -2])).toBeCloseTo(10.5, 5);
    expect(await momentum.lossAt([1, 0.5])).toBeCloseTo(0.6, 5);
    expect(await sgd.lossAt([0, 0])).toBe(0);
  });

  it('at lr 0.6 plain SGD diverges along x₂ while momentum still converges', async () => {
    const faster = structuredClone(doc);
    for (const n of faster.nodes) if (n.type === 'SGD') n.params.lr = 0.6;
    const [sgd, momentum] = await trace(faster, 20);
    expect(Math.abs(sgd.points[20][1])).toBeGreaterThan(100); // 2·1.4²⁰ ≈ 1670
    expect(distance(momentum.points[20])).toBeLessThan(0.1);
  });

  it('a graph without a single 2-D path gives a TrajectoryError, not a throw', async () => {
    const mlp = await traceTrajectories(templateDoc('mnist_mlp'), catalog, { steps: 2 });
    expect(mlp).toBeInstanceOf(TrajectoryError);
    expect((mlp as Error).message).toMatch(/dataset/);
    const noOptimizer = structuredClone(doc);
    noOptimizer.nodes = noOptimizer.nodes.filter((n) => n.type !== 'SGD');
    noOptimizer.edges = noOptimizer.edges.filter((e) => noOptimizer.nodes.some((n) => n.id === e.to.node));
    expect(await traceTrajectories(noOptimizer, catalog)).toBeInstanceOf(TrajectoryError);
  });
});
