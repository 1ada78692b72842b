/**
 * Documents for the stepper tests: the 2-layer MLP with softmax-cross-entropy, and the study
 * notes' four autograd cases built from Input feeds (the shipped templates build them from
 * Tensor leaves instead: test/stepper/templates.test.ts). Constants are Tensor nodes without
 * requires_grad.
 */
import {
  createNode,
  emptyDocument,
  type GraphDocument,
  type GraphNode,
  type NodeId,
} from '../../src/graph/index.ts';
import { type Catalog, catalog } from '../../src/nodes/index.ts';
import { doc } from '../training/helpers.ts';

/** The catalog the stepper tests use: every node type they need is declared in it now. */
export const studyCatalog: Catalog = catalog;

const constant = (value: number) => ({ shape: [], values: String(value), requires_grad: false });

export const id = (s: string) => `node:${s}` as NodeId;

type Wire = [from: string, to: string, port: string];

export function documentOf(
  catalog: Catalog,
  nodes: [name: string, type: string, params?: Record<string, unknown>][],
  wires: Wire[],
  symbols?: Record<string, number>,
): GraphDocument {
  const doc = emptyDocument('stepper test');
  if (symbols) doc.meta.symbols = symbols;
  doc.nodes = nodes.map(
    ([name, type, params], i): GraphNode =>
      createNode(catalog, type, { id: id(name), params: params as never, position: { x: 220 * i, y: 60 } }),
  );
  doc.edges = wires.map(([from, to, port]) => ({
    id: `edge:${from}-${to}-${port}`,
    from: { node: id(from), port: 'output' },
    to: { node: id(to), port },
  }));
  return doc;
}

/** x [N, 4] → Linear(4, 5) → ReLU → Linear(5, 3) → CrossEntropyLoss(·, y [N] int) */
export function mlpDocument(catalog: Catalog = studyCatalog): GraphDocument {
  const doc = documentOf(
    catalog,
    [
      ['x', 'Input', { shape: ['N', 4] }],
      ['fc1', 'Linear', { in_features: 4, out_features: 5 }],
      ['relu', 'ReLU'],
      ['fc2', 'Linear', { in_features: 5, out_features: 3 }],
      ['y', 'Input', { shape: ['N'], dtype: 'int32' }],
      ['loss', 'CrossEntropyLoss'],
    ],
    [
      ['x', 'fc1', 'input'],
      ['fc1', 'relu', 'input'],
      ['relu', 'fc2', 'input'],
      ['fc2', 'loss', 'input'],
      ['y', 'loss', 'target'],
    ],
    { N: 4 },
  );
  // the labels below the chain, so no edge runs under them
  doc.nodes = doc.nodes.map((n) => (n.id === id('y') ? { ...n, position: { x: 880, y: 220 } } : n));
  return doc;
}

export interface StudyCase {
  name: string;
  doc: GraphDocument;
  feeds: Record<string, number[]>;
  /** the gradient of x the notes give */
  expected: number[];
}

export function studyCases(catalog: Catalog = studyCatalog): StudyCase[] {
  return [
    {
      name: 'ag_13 scalar chain rule: (3x + 4)² at x = 1',
      doc: documentOf(
        catalog,
        [
          ['x', 'Input', { shape: [] }],
          ['c3', 'Tensor', constant(3)],
          ['u0', 'Mul'],
          ['c4', 'Tensor', constant(4)],
          ['u', 'Add'],
          ['f', 'Pow', { exponent: 2 }],
        ],
        [
          ['c3', 'u0', 'a'],
          ['x', 'u0', 'b'],
          ['u0', 'u', 'a'],
          ['c4', 'u', 'b'],
          ['u', 'f', 'input'],
        ],
      ),
      feeds: { [id('x')]: [1] },
      expected: [42],
    },
    {
      name: 'ag_14 vector input: sum(x²) at x = [1, 2]',
      doc: documentOf(
        catalog,
        [
          ['x', 'Input', { shape: [2] }],
          ['y', 'Pow', { exponent: 2 }],
          ['z', 'Sum'],
        ],
        [
          ['x', 'y', 'input'],
          ['y', 'z', 'input'],
        ],
      ),
      feeds: { [id('x')]: [1, 2] },
      expected: [2, 4],
    },
    {
      name: 'ag_16 branching: x² + 3x at x = 2',
      doc: branchingDocument(catalog),
      feeds: { [id('x')]: [2] },
      expected: [7],
    },
    {
      name: 'ag_17 ReLU gate: sum(relu(x)) at x = [−1, 2]',
      doc: documentOf(
        catalog,
        [
          ['x', 'Input', { shape: [2] }],
          ['r', 'ReLU'],
          ['z', 'Sum'],
        ],
        [
          ['x', 'r', 'input'],
          ['r', 'z', 'input'],
        ],
      ),
      feeds: { [id('x')]: [-1, 2] },
      expected: [0, 1],
    },
  ];
}

export function branchingDocument(catalog: Catalog = studyCatalog): GraphDocument {
  return documentOf(
    catalog,
    [
      ['x', 'Input', { shape: [] }],
      ['sq', 'Pow', { exponent: 2 }],
      ['c3', 'Tensor', constant(3)],
      ['lin', 'Mul'],
      ['y', 'Add'],
    ],
    [
      ['x', 'sq', 'input'],
      ['c3', 'lin', 'a'],
      ['x', 'lin', 'b'],
      ['sq', 'y', 'a'],
      ['lin', 'y', 'b'],
    ],
  );
}

/** XOR data → Linear(2, hidden) → activation → Probe → Linear(hidden, 2) → CE: the training tests' graph. */
export function xorWithProbe(
  probe: Record<string, unknown>,
  options: { hidden?: number; activation?: string; fc1?: Record<string, unknown> } = {},
): GraphDocument {
  const hidden = options.hidden ?? 16;
  return doc(
    [
      ['data', 'XOR', { samples: 200, batch_size: 20, seed: 1 }],
      ['fc1', 'Linear', { in_features: 2, out_features: hidden, ...options.fc1 }],
      ['act', options.activation ?? 'ReLU'],
      ['probe', 'Probe', probe],
      ['fc2', 'Linear', { in_features: hidden, out_features: 2 }],
      ['loss', 'CrossEntropyLoss'],
    ],
    [
      'data.x -> fc1.input',
      'fc1.output -> act.input',
      'act.output -> probe.input',
      'probe.output -> fc2.input',
      'fc2.output -> loss.input',
      'data.y -> loss.target',
    ],
  );
}
