import { noGrad } from '../context.ts';
import { getOp, run } from '../dispatch.ts';
import { OpError } from '../errors.ts';
import { sameShape } from '../shape.ts';
import type { TapeNode, Tensor } from '../tensor.ts';
import { floatTypeOf, formatShape, isFloat } from '../tensor.ts';
import { fill } from '../create.ts';

/** Where a gradient went: every contribution to one tensor so far, and their sum. */
export interface Accumulation {
  into: string;
  tensorId: number;
  contributions: Tensor[];
  total: Tensor;
}

/** One recorded op, seen from the backward pass: what came in, the rule, what went out. */
export interface BackwardStep {
  index: number;
  op: string;
  /** the graph node (or label) that recorded this op */
  source?: string;
  tapeNodeId: number;
  upstream: Tensor[];
  formula: string;
  produced: { input: number; name: string; grad: Tensor }[];
  accumulated: Accumulation[];
}

export function tensorLabel(t: Tensor): string {
  return t.name ?? `t${t.id}`;
}

export interface Root {
  tensor: Tensor;
  /** upstream gradient; null or absent means 1 for a scalar */
  grad?: Tensor | null;
}

interface GradSlot {
  tensor: Tensor;
  contributions: Tensor[];
  total: Tensor;
}

/**
 * The backward pass as data: one step per recorded op, in reverse topological order.
 * `next()` hands out one step at a time; `run()` finishes it. Both give identical results.
 * Leaves (and retained non-leaves) collect gradients into `.grad`, adding to what is there,
 * as PyTorch does across backward calls.
 */
export class BackwardPass {
  readonly steps: BackwardStep[] = [];
  private readonly order: TapeNode[];
  private readonly slots = new Map<number, GradSlot>();
  private cursor = 0;

  /**
   * Start a pass from one root (`loss.backward()`), or from several roots with their upstream
   * gradients (`torch.autograd.backward(tensors, grads)`).
   */
  constructor(root: Tensor | Root[], grad?: Tensor | null) {
    const roots: Root[] = Array.isArray(root) ? root : [{ tensor: root, grad }];
    for (const r of roots) {
      if (!r.tensor.requiresGrad) {
        throw new OpError(
          'arity',
          'backward',
          'element 0 of tensors does not require grad and does not have a grad_fn',
        );
      }
    }
    this.order = reachableNodes(roots.map((r) => r.tensor));
    for (const r of roots) {
      const seed = r.grad ?? this.implicitGrad(r.tensor);
      if (!sameShape(seed.shape, r.tensor.shape)) {
        throw new OpError(
          'shape',
          'backward',
          `Mismatch in shape: grad_output[0] has a shape of ${formatShape(seed.shape)} and output[0] has a shape of ${formatShape(r.tensor.shape)}.`,
        );
      }
      this.deposit(r.tensor, seed);
    }
  }

  get total(): number {
    return this.order.length;
  }

  get done(): boolean {
    return this.cursor >= this.order.length;
  }

  /** Run the next step; null when the pass is complete. */
  next(): BackwardStep | null {
    if (this.done) return null;
    const node = this.order[this.cursor++];
    const step = noGrad(() => this.runStep(node));
    this.steps.push(step);
    return step;
  }

  /** Run every remaining step. */
  run(): BackwardStep[] {
    while (this.next());
    return this.steps;
  }

  /** The gradient accumulated so far for a tensor within this pass. */
  gradOf(t: Tensor): Tensor | null {
    return this.slots.get(t.id)?.total ?? null;
  }

  private implicitGrad(root: Tensor): Tensor {
    if (root.size !== 1) {
      throw new OpError('shape', 'backward', 'grad can be implicitly created only for scalar outputs');
    }
    return fill(root.shape, 1, root.backend, floatTypeOf(root));
  }

  private runStep(node: TapeNode): BackwardStep {
    const op = getOp(node.op);
    // an output nothing used still gets a gradient: zeros of its float type
    const upstream = node.outputs.map(
      (o) => this.slots.get(o.id)?.total ?? fill(o.shape, 0, o.backend, floatTypeOf(o)),
    );
    const needsGrad = node.inputs.map((t, i) => !!t?.requiresGrad && !op.inputs[op.variadic ? 0 : i]?.noGrad);
    if (!op.vjp) throw new OpError('backend', op.name, `${op.name} has no gradient rule`);
    const grads = op.vjp(
      { inputs: node.inputs, outputs: node.outputs, needsGrad },
      upstream,
      node.attrs as never,
    );
    const step: BackwardStep = {
      index: this.steps.length,
      op: op.name,
      source: node.source,
      tapeNodeId: node.id,
      upstream,
      formula: op.formula,
      produced: [],
      accumulated: [],
    };
    // one contribution per input tensor per step: x·x deposits 2x once, as one path
    const perTensor = new Map<number, { input: Tensor; grad: Tensor }>();
    grads.forEach((g, i) => {
      const input = node.inputs[i];
      if (!g || !input || !needsGrad[i]) return;
      if (!sameShape(g.shape, input.shape)) {
        throw new OpError(
          'shape',
          op.name,
          `${op.name}: gradient for input ${i} has shape ${formatShape(g.shape)}, expected ${formatShape(input.shape)}`,
        );
      }
      // a float32 input of a float64 op gets a float32 gradient, as in PyTorch
      if (g.dtype !== input.dtype && isFloat(input.dtype)) g = run('cast', [g], { dtype: input.dtype });
      const name = op.inputs[op.variadic ? 0 : i]?.name ?? `input${i}`;
      step.produced.push({ input: i, name: op.variadic ? `${name}${i}` : name, grad: g });
      const seen = perTensor.get(input.id);
      perTensor.set(input.id, { input, grad: seen ? run('add', [seen.grad, g]) : g });
    });
    for (const { input, grad } of perTensor.values()) step.accumulated.push(this.deposit(input, grad));
    return step;
  }

  /** Add one path's gradient into a tensor's slot (the sum over paths), and into .grad. */
  private deposit(t: Tensor, g: Tensor): Accumulation {
    let slot = this.slots.get(t.id);
    if (!slot) {
      slot = { tensor: t, contributions: [g], total: g };
      this.slots.set(t.id, slot);
    } else {
      slot.contributions.push(g);
      slot.total = noGrad(() => run('add', [slot!.total, g]));
    }
    if (t.isLeaf || t.retainsGrad) {
      t.grad = t.grad ? noGrad(() => run('add', [t.grad!, g])) : g;
    }
    return {
      into: tensorLabel(t),
      tensorId: t.id,
      contributions: [...slot.contributions],
      total: slot.total,
    };
  }
}

/** Tape nodes reachable from root through tensors that need gradients, newest first. */
function reachableNodes(roots: Tensor[]): TapeNode[] {
  const seen = new Map<number, TapeNode>();
  const stack: Tensor[] = [...roots];
  while (stack.length) {
    const t = stack.pop()!;
    const node = t.creator?.node;
    if (!node || seen.has(node.id)) continue;
    seen.set(node.id, node);
    for (const input of node.inputs) if (input?.requiresGrad) stack.push(input);
  }
  // node ids grow in recording order, which is a topological order
  return [...seen.values()].sort((a, b) => b.id - a.id);
}

/** Like `loss.backward(grad)`: runs the whole pass and returns its steps. */
export function backward(root: Tensor | Root[], grad?: Tensor | null): BackwardStep[] {
  return new BackwardPass(root, grad).run();
}
