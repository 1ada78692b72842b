/**
 * The study notes' four autograd cases (reference cases ag_13, ag_14, ag_16, ag_17), each as
 * a graph to step backwards: leaves are Tensor nodes with requires_grad, constants are Tensor
 * nodes without, and the ops are the notes' own (mul, add, pow, sum, relu), with the node ids
 * the cases give their values. Stepping each from its output shows the gradient the notes
 * derive by hand: 42, [2, 4], 7 (= 4 + 3) and [0, 1].
 */
import type { GraphDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { GraphBuilder, type NodeHandle, type Params, type Source } from '../build.ts';

const STEP_HINT = 'Open backward mode (∇ Backward), press Run forward, then step with → from the output.';

/** A graph of leaves, constants and ops, each node named as in the reference case. */
class CaseBuilder extends GraphBuilder {
  /** a leaf: torch.tensor(values, requires_grad=True) */
  leaf(id: string, shape: number[], values: string): NodeHandle {
    return this.node('Tensor', { shape, values, requires_grad: true }, { label: id, stem: id });
  }

  constant(id: string, value: number): NodeHandle {
    const params = { shape: [], values: String(value), requires_grad: false };
    return this.node('Tensor', params, { label: `constant ${value}`, stem: id });
  }

  /** an op node fed by named inputs */
  op(
    id: string,
    type: string,
    inputs: Record<string, Source>,
    label: string,
    params: Params = {},
  ): NodeHandle {
    const node = this.node(type, params, { label, stem: id });
    for (const [port, from] of Object.entries(inputs)) this.wire(from, node, port);
    return node;
  }
}

const sumAll = { dim: null, keepdim: false };

/** Case 1, the scalar chain rule: f(x) = (3x + 4)² at x = 1 gives f′(1) = 6(3x + 4) = 42. */
export function autogradChainRule(c: Catalog): GraphDocument {
  const g = new CaseBuilder(c);
  const x = g.leaf('x', [], '1');
  const u0 = g.op('u0', 'Mul', { a: g.constant('c3', 3), b: x }, '3x');
  const u = g.op('u', 'Add', { a: u0, b: g.constant('c4', 4) }, 'u = 3x + 4');
  g.op('f', 'Pow', { input: u }, 'f = u²', { exponent: 2 });
  return g.document({
    title: 'Autograd 1: the chain rule, f(x) = (3x + 4)²',
    description:
      'A scalar leaf x = 1 goes through 3x, + 4 and a square: f = 49. The graph is the one autograd records.',
    teaches: `Stepping back multiplies local derivatives: ∂f/∂u = 2u = 14 at the square, ∂u/∂(3x) = 1 at the add, ∂(3x)/∂x = 3 at the multiply, so x.grad = 14 · 1 · 3 = 42 = 6(3x + 4). ${STEP_HINT}`,
    tags: ['exercise', 'autograd', 'chain rule', 'backward', 'gradients'],
  });
}

/** Case 2, a vector input: z = Σ x² at x = [1, 2] gives ∂z/∂x = 2x = [2, 4]. */
export function autogradVectorInput(c: Catalog): GraphDocument {
  const g = new CaseBuilder(c);
  const y = g.op('y', 'Pow', { input: g.leaf('x', [2], '1, 2') }, 'y = x²', { exponent: 2 });
  g.op('z', 'Sum', { input: y }, 'z = Σ y', sumAll);
  return g.document({
    title: 'Autograd 2: a vector input, z = Σ x²',
    description: 'A leaf vector x = [1, 2] is squared elementwise and summed to the scalar z = 5.',
    teaches: `A sum sends its upstream gradient 1 to every element it added up; the square then multiplies each by 2x, so x.grad = [2, 4] — one partial derivative per element, the same shape as x. ${STEP_HINT}`,
    tags: ['exercise', 'autograd', 'gradients', 'backward', 'vectors'],
  });
}

/**
 * Case 3, branching: y = x² + 3x at x = 2. x feeds two paths, whose gradients add up in x:
 * 4 from the square and 3 from the multiply, 7 in all. The 3x branch comes first in the
 * document, so it runs first forward; stepping back then meets the square first, and the
 * multiply adds its 3 to the 4 already there: 4 + 3 = 7, as the notes write it.
 */
export function autogradBranching(c: Catalog): GraphDocument {
  const g = new CaseBuilder(c);
  const three = g.constant('c3', 3);
  const x = g.leaf('x', [], '2');
  const lin = g.op('lin', 'Mul', { a: three, b: x }, '3x');
  const sq = g.op('sq', 'Pow', { input: x }, 'x²', { exponent: 2 });
  g.op('y', 'Add', { a: sq, b: lin }, 'y = x² + 3x');
  return g.document({
    title: 'Autograd 3: two paths add up, y = x² + 3x',
    description: 'A leaf x = 2 feeds both a square and a multiply by 3; an add joins them: y = 10.',
    teaches: `When a value is used twice, its gradient is the sum over the paths: the square sends 2x = 4, the multiply sends 3, and x.grad = 4 + 3 = 7. The stepper shows both contributions and their sum at the step where the second one arrives. ${STEP_HINT}`,
    tags: ['exercise', 'autograd', 'branching', 'sum over paths', 'backward'],
  });
}

/** Case 4, the ReLU gate: z = Σ relu(x) at x = [−1, 2] gives ∂z/∂x = [0, 1]. */
export function autogradReluGate(c: Catalog): GraphDocument {
  const g = new CaseBuilder(c);
  const r = g.op('r', 'ReLU', { input: g.leaf('x', [2], '-1, 2') }, 'r = relu(x)');
  g.op('z', 'Sum', { input: r }, 'z = Σ r', sumAll);
  return g.document({
    title: 'Autograd 4: the ReLU gate, z = Σ relu(x)',
    description: 'A leaf x = [−1, 2] goes through a ReLU ([0, 2]) and a sum: z = 2.',
    teaches: `A ReLU is a gate: where its input was positive the gradient passes unchanged, where it was not it is stopped. The mask [x > 0] = [0, 1] makes x.grad = [0, 1]. ${STEP_HINT}`,
    tags: ['exercise', 'autograd', 'relu', 'backward', 'gradients'],
  });
}

export const autogradTemplates: Record<string, (c: Catalog) => GraphDocument> = {
  autograd_chain_rule: autogradChainRule,
  autograd_vector_input: autogradVectorInput,
  autograd_branching: autogradBranching,
  autograd_relu_gate: autogradReluGate,
};
