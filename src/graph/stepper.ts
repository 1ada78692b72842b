/**
 * The backward stepper's model, free of any UI: run a document forward on a sample batch with
 * every op labelled by its graph node, start a BackwardPass from the loss, and hand out one view
 * per engine step (upstream gradient, the rule, the gradients produced, where they accumulate,
 * every edge's gradient norm so far). Views are built once and kept, so stepping back shows
 * exactly what was shown before.
 */
import {
  applyOp,
  BackwardPass,
  type BackwardStep,
  getOp,
  noGrad,
  Rng,
  type Tensor,
  tensor,
  withSource,
} from '../engine/index.ts';
import type { Catalog } from '../nodes/catalog.ts';
import type { OpBuilder, ParamInit } from '../nodes/define.ts';
import type { Dim, DType, TensorType } from '../nodes/types.ts';
import {
  COMPOSITE_TYPE,
  DocumentIndex,
  type EdgeId,
  feedbackTest,
  type GraphDocument,
  type GraphNode,
  type NodeId,
  portsOf,
  type Subgraph,
  topologicalOrder,
} from './document.ts';
import { evaluateDim } from './live.ts';

export type StepperErrorCode = 'forward_failed' | 'no_loss' | 'not_scalar' | 'no_gradient' | 'bad_feed';

/** Why a stepper could not start, naming the node involved. */
export class StepperError extends Error {
  constructor(
    readonly code: StepperErrorCode,
    message: string,
    readonly nodeId?: NodeId,
  ) {
    super(message);
    this.name = 'StepperError';
  }
}

// ---------------------------------------------------------------- forward with source labels

export interface ForwardOptions {
  /**
   * the sample batch: values for source nodes (Input), by node id, or `<node id>#<k>` for the
   * k-th source of a node with several (a dataset's x and y); others are sampled
   */
  feeds?: Record<string, Tensor | readonly number[]>;
  /** sizes for symbols; the document's meta.symbols fill in, then `N` defaults to 4 */
  symbols?: Record<string, number>;
  seed?: number;
  /** int32 sources sample integers in [0, intHigh) (class indices) */
  intHigh?: number;
  /** float32 sources record gradients too (so dx shows); default true */
  inputGrads?: boolean;
  /** parameter tensors to use instead of fresh ones, by `nodeId/name` (the gradient check perturbs them) */
  params?: ReadonlyMap<string, Tensor>;
}

export interface ForwardResult {
  /** each node's outputs by port (top-level and inner nodes of composites) */
  values: Map<NodeId, Record<string, Tensor>>;
  /** what each node received, by input port */
  inputs: Map<NodeId, Record<string, Tensor | null>>;
  /** trainable parameters by `nodeId/name` */
  params: Map<string, Tensor>;
  /** nodes that have no value, and why */
  errors: Map<NodeId, string>;
  /** inner node → its composite ancestors, outermost first */
  parents: Map<NodeId, NodeId[]>;
  /** `tensorId|consumerNodeId` → the edges that carried that tensor into that node */
  edgesInto: Map<string, EdgeId[]>;
  /** tensor id → the node output it is */
  producers: Map<number, { node: NodeId; port: string }>;
}

/** Same hash as live mode, so the stepper samples the values the editor shows. */
function hashSeed(text: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function initialParam(key: string, shape: number[], init: ParamInit, seed: number): Float32Array {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const rng = new Rng(hashSeed(key, seed));
  if (init.kind === 'uniform_fan_in') {
    const bound = 1 / Math.sqrt(Math.max(1, init.fanIn));
    rng.fillUniform(data, -bound, bound);
  } else if (init.kind === 'uniform') rng.fillUniform(data, -init.bound, init.bound);
  else if (init.kind === 'normal') rng.fillNormal(data, 0, init.std);
  else if (init.kind === 'ones') data.fill(1);
  else if (init.kind === 'values') data.set(init.data);
  return data;
}

class ForwardRun {
  readonly result: ForwardResult = {
    values: new Map(),
    inputs: new Map(),
    params: new Map(),
    errors: new Map(),
    parents: new Map(),
    edgesInto: new Map(),
    producers: new Map(),
  };
  private readonly sizes: Record<string, number>;
  private readonly seed: number;
  /** sources each node has asked for so far (a dataset node asks for x, then y) */
  private readonly sourceCalls = new Map<NodeId, number>();

  constructor(
    private readonly doc: GraphDocument,
    private readonly catalog: Catalog,
    private readonly options: ForwardOptions,
  ) {
    this.sizes = { N: 4, ...doc.meta.symbols, ...options.symbols };
    this.seed = options.seed ?? 0;
  }

  run(): ForwardResult {
    this.runGraph(this.doc, [], new Map());
    return this.result;
  }

  /** Evaluate one (sub)graph; `exposed` gives the tensors entering a composite's inner ports. */
  private runGraph(
    graph: Pick<Subgraph, 'nodes' | 'edges'>,
    parents: NodeId[],
    exposed: Map<string, Tensor | null>,
  ): void {
    const index = new DocumentIndex(graph);
    const { order, cyclic } = topologicalOrder(index, feedbackTest(index, this.catalog));
    for (const id of cyclic) this.result.errors.set(id, 'on a cycle');
    for (const id of order) {
      const node = index.nodes.get(id) as GraphNode;
      if (parents.length) this.result.parents.set(id, parents);
      try {
        this.runNode(node, index, parents, exposed);
      } catch (e) {
        this.result.errors.set(id, e instanceof Error ? e.message : String(e));
      }
    }
  }

  private runNode(
    node: GraphNode,
    index: DocumentIndex,
    parents: NodeId[],
    exposed: Map<string, Tensor | null>,
  ): void {
    const ports = portsOf(node, this.catalog);
    if (!ports) throw new Error(`unknown node type '${node.type}'`);
    const received: Record<string, Tensor | null> = {};
    for (const port of ports.inputs) {
      const key = `${node.id}.${port.name}`;
      const edge = index.edgeInto(node.id, port.name);
      if (exposed.has(key)) received[port.name] = exposed.get(key) ?? null;
      else if (!edge) received[port.name] = null;
      else {
        const from = this.result.values.get(edge.from.node);
        if (!from)
          throw new Error(
            `unknown because of ${edge.from.node}: ${this.result.errors.get(edge.from.node) ?? 'no value'}`,
          );
        const t = from[edge.from.port] ?? null;
        received[port.name] = t;
        if (t) this.noteEdge(t, node.id, edge.id);
      }
    }
    // a tensor entering a composite travels on the composite's own incoming edge as well
    this.result.inputs.set(node.id, received);
    const ins = ports.inputs.map((p) => received[p.name]);
    let outs: Tensor[];
    if (node.type === COMPOSITE_TYPE) {
      const sub = node.subgraph;
      if (!sub) throw new Error(`composite ${node.id} has no subgraph`);
      const inner = new Map<string, Tensor | null>();
      sub.inputs.forEach((x, i) => {
        inner.set(`${x.node}.${x.port}`, ins[i]);
        const t = ins[i];
        const outer = t && index.edgeInto(node.id, x.name);
        if (t && outer) this.noteEdge(t, x.node, outer.id);
      });
      this.runGraph(sub, [...parents, node.id], inner);
      outs = sub.outputs.map((x) => {
        const t = this.result.values.get(x.node)?.[x.port];
        if (!t)
          throw new Error(`exposed output '${x.name}' has no value: ${this.result.errors.get(x.node) ?? ''}`);
        return t;
      });
    } else {
      const def = this.catalog.get(node.type);
      if (!def) throw new Error(`unknown node type '${node.type}'`);
      const shapes = {
        inputs: ins.map((t) => (t ? [...t.shape] : null)),
        outputs: this.outputShapes(node, ins),
      };
      outs = withSource(node.id, () => def.lower(this.builder(node.id), ins, node.params as never, shapes));
    }
    const outputs: Record<string, Tensor> = {};
    ports.outputs.forEach((p, i) => {
      outputs[p.name] = outs[i];
      if (outs[i] && !this.result.producers.has(outs[i].id))
        this.result.producers.set(outs[i].id, { node: node.id, port: p.name });
    });
    this.result.values.set(node.id, outputs);
  }

  private noteEdge(t: Tensor, consumer: NodeId, edge: EdgeId): void {
    const key = `${t.id}|${consumer}`;
    const list = this.result.edgesInto.get(key) ?? [];
    if (!list.includes(edge)) list.push(edge);
    this.result.edgesInto.set(key, list);
  }

  /** A node's output shapes: its shape rule run on the actual input shapes, symbols sized. */
  private outputShapes(node: GraphNode, ins: (Tensor | null)[]): number[][] {
    const def = this.catalog.get(node.type);
    // shape rules know the document's dtypes: a float64 run (the gradient check) is float32 to them
    const types = ins.map((t): TensorType | null =>
      t ? { dtype: t.dtype === 'float64' ? 'float32' : t.dtype, dims: [...t.shape] } : null,
    );
    const size = (d: Dim) => evaluateDim(d, this.sizes);
    const ctx = { unify: (a: Dim, b: Dim) => size(a) === size(b), resolve: (d: Dim) => d, warn: () => {} };
    const result = def?.infer(types, node.params as never, ctx) ?? [];
    const issue = result.find((r) => !('dims' in r));
    if (issue && 'message' in issue) throw new Error(issue.message);
    return result.map((r) => ('dims' in r ? r.dims.map(size) : []));
  }

  private builder(owner: NodeId): OpBuilder<Tensor> {
    return {
      op: (name, inputs, attrs) => applyOp(getOp(name), inputs, attrs),
      param: (name, shape, init) => this.param(`${owner}/${name}`, shape, init),
      constant: (data, shape, dtype = 'float32') => tensor(data, shape, dtype),
      source: (shape, dtype) => this.source(owner, shape, dtype),
    };
  }

  private param(key: string, shape: number[], init: ParamInit): Tensor {
    const given = this.options.params?.get(key) ?? this.result.params.get(key);
    if (given && given.shape.length === shape.length && given.shape.every((d, i) => d === shape[i])) {
      this.result.params.set(key, given);
      return given;
    }
    const t = tensor(initialParam(key, shape, init, this.seed), shape)
      .named(key)
      .requireGrad();
    this.result.params.set(key, t);
    return t;
  }

  private source(owner: NodeId, shape: number[], dtype: DType): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    const k = this.sourceCalls.get(owner) ?? 0;
    this.sourceCalls.set(owner, k + 1);
    const feed = this.options.feeds?.[`${owner}#${k}`] ?? this.options.feeds?.[owner];
    let t: Tensor;
    if (feed) {
      const data = Array.isArray(feed) ? feed : null;
      const given = data ? null : (feed as Tensor);
      const length = data ? data.length : given!.size;
      if (length !== size) {
        throw new StepperError(
          'bad_feed',
          `feed for ${owner} has ${length} values; its shape [${shape.join(', ')}] needs ${size}`,
          owner,
        );
      }
      // a copy: the stepper names it and marks it for gradients, the caller's tensor stays as it was;
      // a float64 feed (the gradient check) stays float64, rounding would quantise its perturbations
      const kept = given?.dtype === 'float64' && dtype === 'float32' ? 'float64' : dtype;
      t = tensor(data ?? given!.dataSync(), shape, kept);
    } else {
      const rng = new Rng(hashSeed(owner, this.seed));
      const high = this.options.intHigh ?? 2;
      t = tensor(
        Array.from({ length: size }, () => (dtype === 'int32' ? rng.int(high) : rng.normal())),
        shape,
        dtype,
      );
    }
    t.named(owner);
    if (t.dtype !== 'int32' && this.options.inputGrads !== false) t.requireGrad();
    return t;
  }
}

/** Run a document forward on a sample batch; every recorded op carries its node's id. */
export function runForward(
  doc: GraphDocument,
  catalog: Catalog,
  options: ForwardOptions = {},
): ForwardResult {
  return new ForwardRun(doc, catalog, options).run();
}

// ---------------------------------------------------------------- views

export interface TensorStats {
  min: number;
  max: number;
  mean: number;
  /** L2 norm */
  norm: number;
  /** count of NaN and ±Inf values */
  nonFinite: number;
}

/** A tensor as the stepper shows it: shape, the first values, stats over all of them. */
export interface TensorSummary {
  shape: number[];
  size: number;
  values: number[];
  /** more values exist than `values` holds */
  truncated: boolean;
  stats: TensorStats;
}

export const MAX_SHOWN_VALUES = 4096;

export function statsOf(data: ArrayLike<number>): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  let nonFinite = 0;
  let finite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    finite++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sq += v * v;
  }
  return finite === 0
    ? { min: Number.NaN, max: Number.NaN, mean: Number.NaN, norm: Number.NaN, nonFinite }
    : { min, max, mean: sum / finite, norm: Math.sqrt(sq), nonFinite };
}

export function summarize(t: Tensor): TensorSummary {
  const data = t.dataSync();
  return {
    shape: [...t.shape],
    size: t.size,
    values: Array.from(data.subarray(0, MAX_SHOWN_VALUES)),
    truncated: t.size > MAX_SHOWN_VALUES,
    stats: statsOf(data),
  };
}

/** Where a gradient lands, in the graph's terms. */
export type GradTarget =
  /** an input port of the node, fed by `from` along `edges` */
  | {
      kind: 'input';
      node: NodeId;
      port: string;
      from: { node: NodeId; port: string } | null;
      edges: EdgeId[];
    }
  | { kind: 'param'; node: NodeId; name: string }
  /** a value inside the node (between two of its ops), or the output of the node itself */
  | { kind: 'internal'; node: NodeId | null; label: string };

export interface ProducedGrad {
  /** the op's input name (x, weight, bias, …) */
  name: string;
  target: GradTarget;
  /** `dW (fc1.weight)`, `dx → input (from ReLU)` */
  label: string;
  grad: TensorSummary;
}

export interface AccumulationView {
  target: GradTarget;
  label: string;
  /** every path's contribution so far, in the order they arrived */
  contributions: TensorSummary[];
  total: TensorSummary;
}

export interface StepView {
  /** engine step index; -1 is the start: the loss with ∂L/∂L = 1 */
  index: number;
  total: number;
  op: string;
  /** the top-level graph node (a composite when the op ran inside one) */
  node: NodeId | null;
  /** composites from the outside in, then the node that recorded the op */
  path: NodeId[];
  nodeType: string;
  nodeLabel: string;
  /** the op's backward formula */
  formula: string;
  /** the node's rule in the study notes' words (Linear: dW = δᵀx, …) */
  rule: string;
  upstream: TensorSummary[];
  produced: ProducedGrad[];
  accumulations: AccumulationView[];
  /** what the node saw in the forward pass: its inputs and parameters */
  forward: { name: string; value: TensorSummary }[];
  /** ReLU: the mask [x > 0] the gradient passes through */
  mask?: TensorSummary;
  /** ‖gradient‖ on every edge traversed so far (this step included) */
  edgeNorms: Record<EdgeId, number>;
  /** engine steps of the same top-level node: [first, last built so far] (step over runs to its end) */
  group: { first: number; last: number };
}

/** Node-level rules, in the notation of the study notes (δ = upstream gradient). */
export const NODE_RULES: Record<string, string> = {
  Linear: 'dW = δᵀx, db = Σδ, dx = δW',
  CrossEntropyLoss: '∂L/∂z = (softmax(z) − onehot(y)) / N',
  ReLU: 'dx = δ ⊙ [x > 0]  (the ReLU mask)',
  Sigmoid: 'dx = δ ⊙ σ(x)(1 − σ(x))',
  Tanh: 'dx = δ ⊙ (1 − tanh²(x))',
  Conv2d: 'dW = Σ δ ⋆ x, db = Σδ, dx = δ ⋆ᵀ W (transposed convolution)',
  Conv1d: 'dW = Σ δ ⋆ x, db = Σδ, dx = δ ⋆ᵀ W',
  Add: 'da = δ, db = δ (summed over broadcast dims)',
  Sub: 'da = δ, db = −δ (summed over broadcast dims)',
  Mul: 'da = δ ⊙ b, db = δ ⊙ a',
  Div: 'da = δ / b, db = −δ ⊙ a / b²',
  Maximum: 'δ goes to the larger input (split evenly on ties)',
  MatMul: 'dA = δ·Bᵀ, dB = Aᵀ·δ',
  Flatten: 'dx = reshape(δ, x.shape)',
  Reshape: 'dx = reshape(δ, x.shape)',
  Transpose: 'dx = transpose(δ)',
  Unsqueeze: 'dx = squeeze(δ)',
  MaxPool2d: 'δ goes to the position of each window’s max',
  AvgPool2d: 'δ spreads evenly over each window',
  Dropout: 'dx = δ ⊙ mask / (1 − p)',
  Embedding: 'dW[i] += δ for every occurrence of index i',
  Probe: 'dx = δ (a probe passes gradients through)',
  Pow: 'dx = δ ⊙ p·xᵖ⁻¹  (2x for a square)',
  Sum: 'dx = δ, copied to every element that was summed',
};

/** Op input names in the notes' notation: dW, db, dx. */
const NOTATION: Record<string, string> = { weight: 'W', bias: 'b' };

export function ruleFor(nodeType: string, opFormula: string): string {
  return NODE_RULES[nodeType] ?? opFormula;
}

// ---------------------------------------------------------------- the stepper

export interface StepperOptions extends ForwardOptions {
  /** the node whose scalar output is the loss; default: the last loss in topological order */
  loss?: NodeId;
}

/** A backward pass over a document, stepped one engine op (or one node) at a time. */
export class BackwardStepper {
  readonly pass: BackwardPass;
  readonly lossNode: NodeId;
  readonly lossValue: number;
  private readonly views: StepView[] = [];
  private readonly seed: StepView;
  /** accumulated gradient per edge, as of the newest built view */
  private readonly edgeGrads = new Map<EdgeId, Float64Array>();
  private readonly tapeInputs: Map<number, (Tensor | null)[]>;
  private readonly summaries = new WeakMap<Tensor, TensorSummary>();
  private readonly forwardShown = new Map<NodeId, { name: string; value: TensorSummary }[]>();
  private cursor = -1;

  constructor(
    readonly doc: GraphDocument,
    readonly catalog: Catalog,
    readonly forward: ForwardResult,
    lossNode: NodeId,
  ) {
    const lossOut = forward.values.get(lossNode);
    const loss = lossOut && Object.values(lossOut)[0];
    if (!loss)
      throw new StepperError(
        'no_loss',
        `${lossNode} has no value: ${forward.errors.get(lossNode) ?? 'not run'}`,
        lossNode,
      );
    if (loss.size !== 1) {
      throw new StepperError(
        'not_scalar',
        `backward needs a scalar loss; ${lossNode} gives [${loss.shape.join(', ')}]`,
        lossNode,
      );
    }
    if (!loss.requiresGrad)
      throw new StepperError('no_gradient', `nothing upstream of ${lossNode} needs a gradient`, lossNode);
    this.lossNode = lossNode;
    this.lossValue = loss.dataSync()[0];
    this.pass = new BackwardPass(loss);
    this.tapeInputs = tapeInputsOf(loss);
    this.seed = this.seedView(loss);
  }

  /** engine steps in the whole pass */
  get total(): number {
    return this.pass.total;
  }

  /** -1 (the loss, before any step) … total − 1 */
  get position(): number {
    return this.cursor;
  }

  view(): StepView {
    return this.cursor < 0 ? this.seed : this.build(this.cursor);
  }

  /** The view of step i, without moving. */
  viewAt(i: number): StepView {
    return i < 0 ? this.seed : this.build(Math.min(i, this.total - 1));
  }

  goTo(i: number): StepView {
    this.cursor = Math.max(-1, Math.min(this.total - 1, Math.trunc(i)));
    return this.view();
  }

  /** Step into: the next engine op. */
  next(): StepView {
    return this.goTo(this.cursor + 1);
  }

  previous(): StepView {
    return this.goTo(this.cursor - 1);
  }

  /** Step over: past every op of the current top-level node (a composite counts as one). */
  nextOver(): StepView {
    if (this.cursor < 0) return this.next();
    const view = this.build(this.cursor);
    this.completeGroup(view);
    return this.goTo(view.group.last + 1);
  }

  /** Back to the first op of the previous top-level node. */
  previousOver(): StepView {
    if (this.cursor <= 0) return this.goTo(-1);
    const first = this.build(this.cursor).group.first;
    if (first === 0) return this.goTo(-1);
    return this.goTo(this.build(first - 1).group.first);
  }

  /** Every step's view from the start to the end (builds what is missing). */
  all(): StepView[] {
    for (let i = 0; i < this.total; i++) this.build(i);
    return [this.seed, ...this.views];
  }

  private build(i: number): StepView {
    while (this.views.length <= i) {
      const step = this.pass.next();
      if (!step) break;
      this.views.push(this.stepView(step));
    }
    return this.views[i];
  }

  /**
   * Run the pass to the end of a view's group: its node's last step is known only once the
   * next node's first step exists (an RNN node has hundreds of steps; plain stepping never waits for them).
   */
  private completeGroup(view: StepView): void {
    while (view.group.last + 1 < this.total && view.group.last + 1 >= this.views.length) {
      const step = this.pass.next();
      if (!step) break;
      this.views.push(this.stepView(step));
    }
  }

  private pathOf(source: string | undefined): NodeId[] {
    if (!source) return [];
    const id = source as NodeId;
    return [...(this.forward.parents.get(id) ?? []), id];
  }

  private nodeOf(id: NodeId | undefined): GraphNode | undefined {
    if (!id) return undefined;
    return findNode(this.doc.nodes, id);
  }

  private stepView(step: BackwardStep): StepView {
    const path = this.pathOf(step.source);
    const top = path[0] ?? null;
    const inner = path[path.length - 1];
    const node = this.nodeOf(inner);
    const nodeType = node?.type ?? '(no node)';
    const previous = this.views[this.views.length - 1];
    // the steps of one node share one group record, whose end grows as their steps are built
    const group =
      previous && previous.node === top ? previous.group : { first: step.index, last: step.index };
    group.last = step.index;
    const op = getOp(step.op);
    const tape = this.tapeInputs.get(step.tapeNodeId) ?? [];
    const produced: ProducedGrad[] = step.produced.map((p) => {
      const target = this.targetOf(tape[p.input], path);
      return {
        name: p.name,
        target,
        label: `d${NOTATION[p.name] ?? p.name} → ${targetLabel(target, this.doc)}`,
        grad: summarize(p.grad),
      };
    });
    const accumulations = step.accumulated.map((a) => {
      const input = tape.find((t) => t?.id === a.tensorId) ?? null;
      const target = this.targetOf(input, path);
      this.addEdgeGrad(this.edgesOf(target, input, path), a.contributions[a.contributions.length - 1]);
      return {
        target,
        label: targetLabel(target, this.doc),
        contributions: a.contributions.map((c) => this.summaryOf(c)),
        total: summarize(a.total),
      };
    });
    const view: StepView = {
      index: step.index,
      total: this.total,
      op: step.op,
      node: top,
      path,
      nodeType,
      nodeLabel: node ? (node.label ?? node.type) : step.op,
      formula: op.formula,
      rule: ruleFor(nodeType, op.formula),
      upstream: step.upstream.map(summarize),
      produced,
      accumulations,
      forward: this.forwardOf(inner),
      edgeNorms: this.edgeNorms(),
      group,
    };
    if (step.op === 'relu' && tape[0])
      view.mask = summarize(noGrad(() => applyOp(getOp('positive_mask'), [tape[0]], {})[0]));
    return view;
  }

  /** Contributions recur at every later step into the same tensor (an RNN weight): summarize each once. */
  private summaryOf(t: Tensor): TensorSummary {
    let summary = this.summaries.get(t);
    if (!summary) {
      summary = summarize(t);
      this.summaries.set(t, summary);
    }
    return summary;
  }

  private forwardOf(id: NodeId | undefined): { name: string; value: TensorSummary }[] {
    if (!id) return [];
    // one node's forward values are the same at each of its steps (an RNN has hundreds): summarize once
    const cached = this.forwardShown.get(id);
    if (cached) return cached;
    const shown: { name: string; value: TensorSummary }[] = [];
    this.forwardShown.set(id, shown);
    for (const [port, t] of Object.entries(this.forward.inputs.get(id) ?? {}))
      if (t) shown.push({ name: port, value: summarize(t) });
    for (const [key, t] of this.forward.params)
      if (key.startsWith(`${id}/`)) shown.push({ name: key.slice(id.length + 1), value: summarize(t) });
    return shown;
  }

  /** Name an op input in the graph's terms, from the innermost node of `path` outwards. */
  private targetOf(t: Tensor | null, path: NodeId[]): GradTarget {
    const inner = path[path.length - 1] ?? null;
    if (!t) return { kind: 'internal', node: inner, label: 'a value' };
    const slash = t.name?.lastIndexOf('/') ?? -1;
    if (t.name && slash > 0 && this.forward.params.get(t.name) === t) {
      return { kind: 'param', node: t.name.slice(0, slash) as NodeId, name: t.name.slice(slash + 1) };
    }
    for (let k = path.length - 1; k >= 0; k--) {
      const received = this.forward.inputs.get(path[k]) ?? {};
      const port = Object.keys(received).find((name) => received[name] === t);
      if (port) {
        const edges = path.flatMap((n) => this.forward.edgesInto.get(`${t.id}|${n}`) ?? []);
        return { kind: 'input', node: path[k], port, from: this.forward.producers.get(t.id) ?? null, edges };
      }
    }
    const producer = this.forward.producers.get(t.id);
    return {
      kind: 'internal',
      node: inner,
      label: producer ? `${producer.port} of ${producer.node}` : `t${t.id}`,
    };
  }

  /** The edges a gradient flows back along: an input's, or those carrying a leaf (a Tensor node's value) in. */
  private edgesOf(target: GradTarget, t: Tensor | null, path: NodeId[]): EdgeId[] {
    if (target.kind === 'input') return target.edges;
    if (target.kind !== 'param' || !t) return [];
    return path.flatMap((n) => this.forward.edgesInto.get(`${t.id}|${n}`) ?? []);
  }

  private addEdgeGrad(edges: EdgeId[], contribution: Tensor | undefined): void {
    if (!contribution) return;
    const data = contribution.dataSync();
    for (const edge of edges) {
      const sum = this.edgeGrads.get(edge) ?? new Float64Array(data.length);
      if (sum.length === data.length) for (let i = 0; i < data.length; i++) sum[i] += data[i];
      this.edgeGrads.set(edge, sum);
    }
  }

  private edgeNorms(): Record<EdgeId, number> {
    const norms: Record<EdgeId, number> = {};
    for (const [edge, g] of this.edgeGrads) {
      let sq = 0;
      for (const v of g) sq += v * v;
      norms[edge] = Math.sqrt(sq);
    }
    return norms;
  }

  private seedView(loss: Tensor): StepView {
    const node = this.nodeOf(this.lossNode);
    const one = summarize(noGrad(() => tensor([1], loss.shape)));
    return {
      index: -1,
      total: this.total,
      op: 'loss',
      node: this.lossNode,
      path: [this.lossNode],
      nodeType: node?.type ?? '',
      nodeLabel: node ? (node.label ?? node.type) : this.lossNode,
      formula: '∂L/∂L = 1',
      rule: `L = ${formatNumber(this.lossValue)}; the backward pass starts with ∂L/∂L = 1`,
      upstream: [one],
      produced: [],
      accumulations: [],
      forward: this.forwardOf(this.lossNode),
      edgeNorms: {},
      group: { first: -1, last: -1 },
    };
  }
}

/** Each tape node's inputs by its id, for the nodes the loss depends on. */
function tapeInputsOf(root: Tensor): Map<number, (Tensor | null)[]> {
  const inputs = new Map<number, (Tensor | null)[]>();
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!.creator?.node;
    if (!node || inputs.has(node.id)) continue;
    inputs.set(node.id, node.inputs);
    for (const x of node.inputs) if (x) stack.push(x);
  }
  return inputs;
}

function findNode(nodes: readonly GraphNode[], id: NodeId): GraphNode | undefined {
  for (const n of nodes) {
    if (n.id === id) return n;
    const inner = n.subgraph && findNode(n.subgraph.nodes, id);
    if (inner) return inner;
  }
  return undefined;
}

function targetLabel(target: GradTarget, doc: GraphDocument): string {
  const name = (id: NodeId) => {
    const n = findNode(doc.nodes, id);
    return n ? (n.label ?? n.type) : id;
  };
  if (target.kind === 'param') {
    // a Tensor leaf is its own value: its gradient is x's, as the notes write it (x.grad)
    const leaf = target.name === 'value' && findNode(doc.nodes, target.node)?.type === 'Tensor';
    return leaf ? name(target.node) : `${name(target.node)}.${target.name}`;
  }
  if (target.kind === 'input')
    return target.from ? `${target.port} (from ${name(target.from.node)})` : target.port;
  return target.label;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

/** The loss node: the given one, else the last node (in order) whose output is one number. */
export function findLoss(doc: GraphDocument, catalog: Catalog, forward: ForwardResult): NodeId | null {
  const index = new DocumentIndex(doc);
  const { order } = topologicalOrder(index, feedbackTest(index, catalog));
  let fallback: NodeId | null = null;
  for (const id of order) {
    const out = forward.values.get(id);
    const t = out && Object.values(out)[0];
    if (t?.size !== 1 || t.dtype !== 'float32') continue;
    const node = index.nodes.get(id) as GraphNode;
    if (catalog.get(node.type)?.group === 'losses') fallback = id;
    else if (!fallback || catalog.get(index.nodes.get(fallback)!.type)?.group !== 'losses') fallback = id;
  }
  return fallback;
}

/** Run the document forward on a sample batch and get ready to step back from its loss. */
export function createStepper(
  doc: GraphDocument,
  catalog: Catalog,
  options: StepperOptions = {},
): BackwardStepper | StepperError {
  try {
    const forward = runForward(doc, catalog, options);
    const loss = options.loss ?? findLoss(doc, catalog, forward);
    if (!loss) {
      const [id, why] = [...forward.errors][0] ?? [];
      return why
        ? new StepperError('forward_failed', `the forward pass stopped at ${id}: ${why}`, id)
        : new StepperError('no_loss', 'no node gives a scalar loss to step back from');
    }
    return new BackwardStepper(doc, catalog, forward, loss);
  } catch (e) {
    if (e instanceof StepperError) return e;
    return new StepperError('forward_failed', e instanceof Error ? e.message : String(e));
  }
}
