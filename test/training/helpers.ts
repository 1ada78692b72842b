/** Small documents and feeds for the compiler and train-loop tests. */

import { compileGraph } from '../../src/training/compile.ts';
import type { Plan } from '../../src/engine/compile/plan.ts';
import { cpuBackend } from '../../src/engine/index.ts';
import { Rng } from '../../src/engine/random.ts';
import { type TrainConfig, Trainer } from '../../src/engine/runtime/train.ts';
import { ArrayFeed } from '../../src/engine/runtime/train-data.ts';
import type { GraphDocument, GraphEdge, GraphNode, NodeId } from '../../src/graph/document.ts';
import { catalog } from '../../src/nodes/index.ts';

type Spec = [id: string, type: string, params?: Record<string, unknown>];

/** A document from nodes `[id, type, params]` and edges `'a.out -> b.in'`. */
export function doc(nodes: Spec[], edges: string[]): GraphDocument {
  return {
    format: 'shapeflow.graph',
    version: 2,
    meta: { title: 'test' },
    nodes: nodes.map(
      ([id, type, params = {}], i): GraphNode => ({
        id: `node:${id}` as NodeId,
        type,
        params: params as GraphNode['params'],
        position: { x: i * 100, y: 0 },
      }),
    ),
    edges: edges.map((e, i): GraphEdge => {
      const [from, to] = e.split('->').map((s) => s.trim().split('.'));
      return {
        id: `edge:${i}`,
        from: { node: `node:${from[0]}` as NodeId, port: from[1] },
        to: { node: `node:${to[0]}` as NodeId, port: to[1] },
      };
    }),
  };
}

/** x [N, 4] → Linear(4, hidden) → ReLU → Linear(hidden, 3) → CE ← y [N]. */
export function mlpDoc(hidden = 8, extra: { nodes?: Spec[]; edges?: string[] } = {}): GraphDocument {
  return doc(
    [
      ['x', 'Input', { shape: ['N', 4], dtype: 'float32' }],
      ['y', 'Input', { shape: ['N'], dtype: 'int32' }],
      ['fc1', 'Linear', { in_features: 4, out_features: hidden }],
      ['relu', 'ReLU'],
      ['fc2', 'Linear', { in_features: hidden, out_features: 3 }],
      ['loss', 'CrossEntropyLoss'],
      ...(extra.nodes ?? []),
    ],
    [
      'x.output -> fc1.input',
      'fc1.output -> relu.input',
      'relu.output -> fc2.input',
      'fc2.output -> loss.input',
      'y.output -> loss.target',
      ...(extra.edges ?? []),
    ],
  );
}

export function compiler(d: GraphDocument): (symbols: Record<string, number>) => Plan {
  return (symbols) => {
    const r = compileGraph(d, { catalog, symbols });
    if (!r.ok) throw r.errors[0];
    return r.plan;
  };
}

/** Three separable classes in 4-d: class c has feature c large; `scale` multiplies every feature. */
export function blobsFeed(n = 48, seed = 1, scale = 1): ArrayFeed {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = (rng.normal() * 0.3 + (j === y[i] ? 2 : 0)) * scale;
  }
  const arrays = {
    'node:x:output': { data: x, sampleShape: [4], dtype: 'float32' as const },
    'node:y:output': { data: y, sampleShape: [], dtype: 'int32' as const },
  };
  return new ArrayFeed(arrays, arrays);
}

export const sgd = { name: 'SGD', hyperparams: { lr: 0.1, momentum: 0.9 } };

export function trainer(d: GraphDocument, config: Partial<TrainConfig> = {}, feed = blobsFeed()): Trainer {
  return new Trainer(compiler(d), feed, cpuBackend, {
    batchSize: 16,
    epochs: 3,
    seed: 7,
    optimizer: sgd,
    ...config,
  });
}
