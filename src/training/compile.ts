/**
 * Graph → plan. The one place in the engine that reads a document: it runs shape inference,
 * binds the symbols (N = the batch size), and lowers every node through its declaration's
 * `lower(b, ...)` with a builder that records op calls instead of running them. Each recorded
 * call goes through the op's own shape rule, so a plan that compiles runs.
 *
 * Training machinery is recognised by name: a node whose type is an optimizer of the runtime's
 * table (`SGD`, `Adam`, ... or `SGDOptimizer`) minimises the loss wired into its first tensor
 * input, updates the parameters of the layers wired into its `parameters` inputs (all that
 * loss depends on when none are), and takes its lr from the scheduler node wired to it.
 */
import {
  COMPOSITE_TYPE,
  DocumentIndex,
  feedbackTest,
  type GraphDocument,
  type GraphNode,
  portsOf,
  topologicalOrder,
} from '../graph/document.ts';
import { inferShapes } from '../graph/infer.ts';
import { evaluateDim } from '../graph/live.ts';
import type { Catalog } from '../nodes/catalog.ts';
import { type AnyNodeDef, defaultsOf, type OpBuilder } from '../nodes/define.ts';
import { isOptimizerNode } from '../nodes/optimizers/optimizers.ts';
import { isSchedulerNode } from '../nodes/schedulers/schedulers.ts';
import type { Dim, PortDef, TensorType } from '../nodes/types.ts';
import { getOp, inferOp, withDefaults } from '../engine/dispatch.ts';
import { isOptimizerName, optimizerDefs } from '../engine/runtime/optimizers/index.ts';
import { isSchedulerName, schedulerDefs } from '../engine/runtime/schedulers/index.ts';
import type { DType } from '../engine/tensor.ts';
import { fuseLinearActivations } from '../engine/compile/fuse.ts';
import {
  outputKey,
  type Plan,
  type PlanInit,
  type PlanOptimizer,
  type PlanScheduler,
  type PlanStep,
  paramsReaching,
} from '../engine/compile/plan.ts';

/** Why a graph does not compile, pinned to a node. */
export class CompileError extends Error {
  constructor(
    readonly code: string,
    readonly node: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'CompileError';
  }
}

export interface CompileOptions {
  catalog: Catalog;
  /** sizes for symbols, e.g. { N: 64 }; the document's meta.symbols fill in the rest */
  symbols?: Record<string, number>;
  /**
   * fuse Linear → activation into linear_act steps (engine/compile/fuse.ts): training plans do;
   * readers of the plan's steps node by node (exporters, tests of the lowering) leave it off
   */
  fuse?: boolean;
}

export type CompileResult = { ok: true; plan: Plan } | { ok: false; errors: CompileError[] };

/**
 * Which optimizer of the runtime a node stands for, if any: its type is the PyTorch class name,
 * or a node of the `optimizers` group names it (`AdamOptimizer`, or an `optimizer` param).
 */
export function optimizerNameOf(
  type: string,
  group?: string,
  params: Record<string, unknown> = {},
): string | null {
  if (isOptimizerName(type)) return type;
  if (group !== 'optimizers') return null;
  for (const name of [type.replace(/Optimizer$/, ''), String(params.optimizer ?? '')]) {
    if (isOptimizerName(name)) return name;
  }
  return null;
}

/** Which scheduler of the runtime a node stands for, if any (`StepLR`; `Cosine…Schedule` in the schedulers group). */
export function schedulerNameOf(
  type: string,
  group?: string,
  params: Record<string, unknown> = {},
): string | null {
  if (isSchedulerName(type)) return type;
  if (group !== 'schedulers') return null;
  const stem = type.replace(/(Scheduler|Schedule)$/, '');
  for (const name of [`${stem}LR`, stem, `${type}LR`, String(params.scheduler ?? '')]) {
    if (isSchedulerName(name)) return name;
  }
  return null;
}

const pick = (params: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(keys.filter((k) => k in params && params[k] !== undefined).map((k) => [k, params[k]]));

const firstNumber = (params: Record<string, unknown>, keys: string[]): number | undefined => {
  for (const k of keys)
    if (typeof params[k] === 'number' && (params[k] as number) > 0) return params[k] as number;
  return undefined;
};

/** Concrete dims make every symbol question trivial: equal or not (for inner nodes of composites). */
const concreteContext = { unify: (a: Dim, b: Dim) => a === b, resolve: (d: Dim) => d, warn: () => {} };

interface Traced {
  id: number;
}

/** Lowers nodes into one plan, recording op calls. */
class PlanRecorder {
  readonly plan: Plan = {
    values: [],
    steps: [],
    params: [],
    sources: [],
    constants: [],
    outputs: new Map(),
    losses: [],
    metrics: [],
    optimizers: [],
    symbols: {},
  };
  private sourceCounts = new Map<string, number>();

  constructor(private readonly catalog: Catalog) {}

  private value(shape: readonly number[], dtype: DType, origin: Plan['values'][number]['origin']): Traced {
    const v = { id: this.plan.values.length, shape: [...shape], dtype, origin };
    this.plan.values.push(v);
    return { id: v.id };
  }

  builder(owner: string, node: GraphNode, portOf: (k: number) => string): OpBuilder<Traced> {
    return {
      op: (name, inputs, attrs) => {
        const op = getOp(name);
        const full = withDefaults(op, attrs) as Record<string, unknown>;
        const metas = inputs.map((t) => (t ? this.plan.values[t.id] : null));
        const outs = inferOp(op, metas, full);
        const index = this.plan.steps.length;
        const outputs = outs.map((m, output) =>
          this.value(m.shape, m.dtype, { kind: 'op', step: index, output }),
        );
        const step: PlanStep = {
          op: name,
          inputs: inputs.map((t) => t?.id ?? null),
          attrs: full,
          outputs: outputs.map((o) => o.id),
          source: owner,
          modal: 'training' in full,
          seeded: 'seed' in full,
          stateUpdates: [],
        };
        (op.outputs ?? ['output']).forEach((outName, o) => {
          const i = op.inputs.findIndex((spec) => spec.name === outName);
          const fed = i >= 0 ? step.inputs[i] : null;
          const origin = fed === null || fed === undefined ? null : this.plan.values[fed].origin;
          if (origin?.kind === 'param') step.stateUpdates.push({ output: o, key: origin.key });
        });
        this.plan.steps.push(step);
        return outputs;
      },
      param: (name, shape, init) => {
        const key = `${owner}/${name}`;
        const existing = this.plan.params.find((p) => p.key === key);
        if (existing)
          return { id: this.plan.values.findIndex((v) => v.origin.kind === 'param' && v.origin.key === key) };
        this.plan.params.push({
          key,
          node: owner,
          name,
          shape: [...shape],
          init: init as PlanInit,
          trainable: true,
        });
        return this.value(shape, 'float32', { kind: 'param', key });
      },
      buffer: (name, shape, init) => {
        const key = `${owner}/${name}`;
        if (!this.plan.params.some((p) => p.key === key)) {
          this.plan.params.push({
            key,
            node: owner,
            name,
            shape: [...shape],
            init: init as PlanInit,
            trainable: false,
          });
          return this.value(shape, 'float32', { kind: 'param', key });
        }
        return { id: this.plan.values.findIndex((v) => v.origin.kind === 'param' && v.origin.key === key) };
      },
      setBuffer: (name, value) => {
        const key = `${owner}/${name}`;
        const origin = this.plan.values[value.id].origin;
        if (origin.kind !== 'op')
          throw new CompileError('buffer', owner, `buffer '${name}' can only be set to an op's output`);
        const step = this.plan.steps[origin.step];
        if (!step.stateUpdates.some((u) => u.key === key))
          step.stateUpdates.push({ output: origin.output, key });
      },
      constant: (data, shape, dtype = 'float32') => {
        this.plan.constants.push({ data: [...data], shape: [...shape], dtype });
        return this.value(shape, dtype, { kind: 'constant', index: this.plan.constants.length - 1 });
      },
      source: (shape, dtype) => {
        const k = this.sourceCounts.get(owner) ?? 0;
        this.sourceCounts.set(owner, k + 1);
        const key = `${owner}#${k}`;
        const v = this.value(shape, dtype, { kind: 'source', key });
        this.plan.sources.push({
          key,
          node: owner,
          port: portOf(k),
          nodeType: node.type,
          params: { ...node.params },
          shape: [...shape],
          dtype,
          value: v.id,
        });
        return v;
      },
    };
  }

  /** Lower one node (a composite lowers its inner nodes in order); returns its output values. */
  lowerNode(
    owner: string,
    node: GraphNode,
    inputs: (Traced | null)[],
    shapes: { inputs: (number[] | null)[]; outputs: number[][] },
  ): Traced[] {
    if (node.type !== COMPOSITE_TYPE) {
      const def = this.catalog.get(node.type);
      if (!def) throw new CompileError('unknown_type', owner, `unknown node type '${node.type}'`);
      const outPorts = def.outputs;
      const sourcePort = (k: number) => tensorOutputs(def)[k]?.name ?? outPorts[k]?.name ?? `output${k}`;
      // documents from the store carry every param; hand-built ones may leave defaults out
      const params = { ...defaultsOf(def), ...node.params } as GraphNode['params'];
      return def.lower(this.builder(owner, { ...node, params }, sourcePort), inputs, params as never, shapes);
    }
    const sub = node.subgraph;
    if (!sub) throw new CompileError('composite', owner, `composite ${owner} has no subgraph`);
    const index = new DocumentIndex(sub);
    const values = new Map<string, Traced[]>();
    const outIndex = (n: GraphNode, port: string) =>
      portsOf(n, this.catalog)?.outputs.findIndex((o) => o.name === port) ?? -1;
    for (const id of topologicalOrder(index, feedbackTest(index, this.catalog)).order) {
      const inner = index.nodes.get(id) as GraphNode;
      const ports = portsOf(inner, this.catalog);
      if (!ports)
        throw new CompileError('unknown_type', `${owner}/${id}`, `unknown node type '${inner.type}'`);
      const ins = ports.inputs.map((p) => {
        const exposed = sub.inputs.findIndex((x) => x.node === id && x.port === p.name);
        if (exposed >= 0) return inputs[exposed];
        const edge = index.edgeInto(id, p.name);
        if (!edge) return null;
        return (
          values.get(edge.from.node)?.[
            outIndex(index.nodes.get(edge.from.node) as GraphNode, edge.from.port)
          ] ?? null
        );
      });
      const inShapes = ins.map((t) => (t ? this.plan.values[t.id].shape : null));
      const innerShapes = { inputs: inShapes, outputs: this.concreteOutputs(inner, ins) };
      const innerId = `${owner}/${id}`;
      const outs = this.lowerNode(innerId, inner, ins, innerShapes);
      values.set(id, outs);
      // inner outputs are named too (`<outer>/<inner>:<port>`): gradient health and probes read them
      ports.outputs.forEach((p, k) => {
        if (outs[k]) this.plan.outputs.set(outputKey(innerId, p.name), outs[k].id);
      });
    }
    return sub.outputs.map((x) => {
      const t = values.get(x.node)?.[outIndex(index.nodes.get(x.node) as GraphNode, x.port)];
      if (!t)
        throw new CompileError('composite', owner, `exposed output '${x.name}' of ${owner} has no value`);
      return t;
    });
  }

  /** Output shapes of an inner node of a composite: its rule run on the actual input shapes. */
  private concreteOutputs(node: GraphNode, inputs: (Traced | null)[]): number[][] {
    if (node.type === COMPOSITE_TYPE) return [];
    const def = this.catalog.get(node.type);
    const types = inputs.map((t): TensorType | null => {
      const v = t ? this.plan.values[t.id] : null;
      return v ? { dtype: v.dtype, dims: [...v.shape] } : null;
    });
    const result = def?.infer(types, { ...defaultsOf(def), ...node.params } as never, concreteContext) ?? [];
    return result.map((r) => ('dims' in r ? r.dims.map((d) => (typeof d === 'number' ? d : -1)) : []));
  }
}

const tensorOutputs = (def: AnyNodeDef): PortDef[] => def.outputs.filter((p) => p.kind === 'tensor');

/**
 * Compile a document for one set of symbol sizes. Nodes with shape errors fail the compile
 * only when a loss, metric or optimizer depends on them; an unconnected side branch is skipped.
 */
export function compileGraph(
  given: Pick<GraphDocument, 'nodes' | 'edges' | 'meta'>,
  options: CompileOptions,
): CompileResult {
  const { catalog } = options;
  const doc = withParamDefaults(given, catalog);
  const sizes: Record<string, number> = { ...doc.meta?.symbols, ...options.symbols };
  const inference = inferShapes(doc, catalog);
  const index = new DocumentIndex(doc);
  const recorder = new PlanRecorder(catalog);
  const plan = recorder.plan;
  plan.symbols = { ...sizes };
  const errors: CompileError[] = [];
  const lowered = new Map<string, Traced[]>();
  const roles = new Map<string, 'optimizer' | 'scheduler'>();
  for (const node of doc.nodes) {
    const group = catalog.get(node.type)?.group;
    if (optimizerNameOf(node.type, group, node.params)) roles.set(node.id, 'optimizer');
    else if (schedulerNameOf(node.type, group, node.params)) roles.set(node.id, 'scheduler');
  }
  const needed = neededNodes(doc, index, catalog, roles);

  for (const id of inference.order) {
    if (roles.has(id)) continue;
    const node = index.nodes.get(id) as GraphNode;
    const info = inference.nodes.get(id);
    const ports = portsOf(node, catalog);
    if (!info || !ports) {
      if (needed.has(id))
        errors.push(new CompileError('unknown_type', id, `unknown node type '${node.type}' (${id})`));
      continue;
    }
    if (info.status !== 'ok' && info.status !== 'warning') {
      if (needed.has(id)) {
        const why = info.diagnostics[0]?.message ?? `node is ${info.status}`;
        errors.push(new CompileError(`node_${info.status}`, id, `${node.type} (${id}): ${why}`));
      }
      continue;
    }
    try {
      const numeric = (t: TensorType | null) => (t ? t.dims.map((d) => evaluateDim(d, sizes)) : null);
      const inputs = ports.inputs.map((p) => {
        if (p.kind !== 'tensor') return null;
        const edge = index.edgeInto(id, p.name);
        if (!edge) return null;
        const from = index.nodes.get(edge.from.node) as GraphNode;
        const fromPorts = portsOf(from, catalog);
        const k = fromPorts?.outputs.findIndex((o) => o.name === edge.from.port) ?? -1;
        const v = lowered.get(edge.from.node)?.[k];
        if (!v)
          throw new CompileError(
            'unlowered_input',
            id,
            `${node.type} (${id}): input '${p.name}' has no value`,
          );
        return v;
      });
      const shapes = {
        inputs: ports.inputs.map((p) => numeric(info.inputs[p.name] ?? null)),
        outputs: ports.outputs.map((p) => numeric(info.outputs[p.name] ?? null) ?? []),
      };
      const outs = recorder.lowerNode(id, node, inputs, shapes);
      // lowerings return tensor outputs only; map them onto the tensor ports in order
      const tensorPorts = ports.outputs.filter((p) => p.kind === 'tensor');
      const byPort = ports.outputs.map(
        (p) =>
          (p.kind === 'tensor' ? outs[tensorPorts.indexOf(p)] : undefined) ?? outs[ports.outputs.indexOf(p)],
      );
      lowered.set(id, byPort as Traced[]);
      ports.outputs.forEach((p, i) => {
        if (byPort[i]) plan.outputs.set(outputKey(id, p.name), byPort[i].id);
      });
      const def = catalog.get(node.type);
      const first = byPort[0];
      if (def?.group === 'losses' && first)
        plan.losses.push({ node: id, port: ports.outputs[0].name, value: first.id });
      ports.outputs.forEach((p, i) => {
        if ((def?.group === 'evaluators' || p.kind === 'metric') && byPort[i])
          plan.metrics.push({ node: id, port: p.name, value: byPort[i].id });
      });
    } catch (e) {
      if (!needed.has(id) && !(e instanceof CompileError)) continue;
      errors.push(
        e instanceof CompileError
          ? e
          : new CompileError('lower_failed', id, `${node.type} (${id}): ${(e as Error).message}`),
      );
    }
  }
  if (errors.length) return { ok: false, errors };
  markBuffers(plan);
  for (const [id, role] of roles) {
    if (role !== 'optimizer') continue;
    const result = bindOptimizer(
      index.nodes.get(id as GraphNode['id']) as GraphNode,
      index,
      catalog,
      plan,
      roles,
    );
    if (result instanceof CompileError) errors.push(result);
    else plan.optimizers.push(result);
  }
  if (errors.length) return { ok: false, errors };
  if (options.fuse) fuseLinearActivations(plan);
  return { ok: true, plan };
}

/** A scheduler node as the runtime's scheduler name and constructor arguments (a SequentialLR with its chain). */
function scheduleOf(node: GraphNode, index: DocumentIndex, catalog: Catalog): PlanScheduler {
  const def = catalog.get(node.type);
  if (isSchedulerNode(def)) {
    const chained = def.inputs
      .map((port) => index.edgeInto(node.id, port.name))
      .filter((e) => e !== undefined)
      .map((e) => {
        const inner = scheduleOf(index.nodes.get(e.from.node) as GraphNode, index, catalog);
        return { scheduler: inner.name, params: inner.params };
      });
    const config = def.schedule.config(node.params, chained);
    return { node: node.id, name: config.scheduler, params: config.params };
  }
  const name = schedulerNameOf(node.type, def?.group, node.params) as string;
  const schema = schedulerDefs[name as keyof typeof schedulerDefs].params as Record<string, unknown>;
  return { node: node.id, name, params: pick(node.params, Object.keys(schema)) };
}

/** Documents from the store carry every param; hand-built ones may leave PyTorch's defaults out. */
function withParamDefaults<D extends Pick<GraphDocument, 'nodes'>>(doc: D, catalog: Catalog): D {
  const nodes = doc.nodes.map((n) => {
    const def = catalog.get(n.type);
    return def ? { ...n, params: { ...defaultsOf(def), ...n.params } as GraphNode['params'] } : n;
  });
  return { ...doc, nodes };
}

/** Nodes a loss or optimizer depends on: these must compile. */
function neededNodes(
  doc: Pick<GraphDocument, 'nodes'>,
  index: DocumentIndex,
  catalog: Catalog,
  roles: Map<string, string>,
): Set<string> {
  const roots = doc.nodes.filter((n) => {
    const group = catalog.get(n.type)?.group;
    // evaluators are probes: one that cannot run is left out rather than blocking training
    return roles.has(n.id) || group === 'losses';
  });
  const seen = new Set<string>();
  const stack = roots.map((n) => n.id);
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of index.incoming.get(id as GraphNode['id']) ?? []) stack.push(e.from.node);
  }
  return seen;
}

/** Parameters only ever fed to inputs that take no gradient are buffers (running statistics). */
function markBuffers(plan: Plan): void {
  const gradUse = new Set<string>();
  for (const step of plan.steps) {
    const op = getOp(step.op);
    step.inputs.forEach((v, i) => {
      if (v === null) return;
      const origin = plan.values[v].origin;
      if (origin.kind !== 'param') return;
      if (!op.inputs[op.variadic ? 0 : i]?.noGrad) gradUse.add(origin.key);
    });
  }
  for (const p of plan.params) p.trainable = gradUse.has(p.key);
}

function bindOptimizer(
  node: GraphNode,
  index: DocumentIndex,
  catalog: Catalog,
  plan: Plan,
  roles: Map<string, string>,
): PlanOptimizer | CompileError {
  const name = optimizerNameOf(node.type, catalog.get(node.type)?.group, node.params) as string;
  const params = node.params as Record<string, unknown>;
  const ports = portsOf(node, catalog);
  const incoming = index.incoming.get(node.id) ?? [];
  const kindOf = (port: string) => ports?.inputs.find((p) => p.name === port)?.kind ?? 'tensor';
  const lossEdge = incoming.find((e) => kindOf(e.to.port) === 'tensor' && !roles.has(e.from.node));
  if (!lossEdge) {
    return new CompileError(
      'optimizer_unwired',
      node.id,
      `${node.type} (${node.id}) is not wired to a loss: connect a loss output to it`,
    );
  }
  const loss = plan.outputs.get(outputKey(lossEdge.from.node, lossEdge.from.port));
  if (loss === undefined)
    return new CompileError('optimizer_loss', node.id, `${node.type} (${node.id}): its loss has no value`);
  if (plan.values[loss].shape.length !== 0) {
    return new CompileError(
      'loss_not_scalar',
      node.id,
      `${node.type} (${node.id}) minimises ${lossEdge.from.node}, whose output has shape [${plan.values[loss].shape}]: a loss must be a scalar (use reduction mean or sum)`,
    );
  }
  const reaching = paramsReaching(plan, loss).filter((k) => plan.params.find((p) => p.key === k)?.trainable);
  const def = catalog.get(node.type);
  const runtime = isOptimizerNode(def) ? def.optimizer : null;
  const groupNodes = incoming
    .filter((e) => kindOf(e.to.port) === 'parameters')
    .map((e) => e.from.node as string);
  const inGroup = (key: string) => {
    if (groupNodes.length && !groupNodes.some((g) => key.startsWith(`${g}/`))) return false;
    if (!runtime) return true;
    // the node's param_group names layers by id or label: try both spellings of the key
    const p = plan.params.find((x) => x.key === key);
    const label = p && index.nodes.get(p.node as GraphNode['id'])?.label;
    return runtime.selects(key, params) || (!!label && runtime.selects(`${label}.${p.name}`, params));
  };
  const chosen = reaching.filter(inGroup);
  const lrEdge = incoming.find(
    (e) => kindOf(e.to.port) === 'schedule' && roles.get(e.from.node) === 'scheduler',
  );
  const schedulerNode = lrEdge
    ? (index.nodes.get(lrEdge.from.node) as GraphNode)
    : [...incoming.map((e) => e.from.node), ...(index.outgoing.get(node.id) ?? []).map((e) => e.to.node)]
        .map((id) => index.nodes.get(id) as GraphNode)
        .find((n) => roles.get(n.id) === 'scheduler');
  const scheduler = schedulerNode ? scheduleOf(schedulerNode, index, catalog) : null;
  let clip: PlanOptimizer['clip'] = null;
  if (params.clip === 'norm')
    clip = { maxNorm: params.max_norm as number, normType: params.norm_type as number };
  else if (params.clip === 'value') clip = { value: params.clip_value as number };
  else {
    const maxNorm = firstNumber(params, ['clip_grad_norm', 'clip_norm']);
    const clipValue = firstNumber(params, ['clip_grad_value']);
    if (maxNorm !== undefined || clipValue !== undefined)
      clip = { maxNorm, value: clipValue, normType: firstNumber(params, ['norm_type']) };
  }
  const schema = optimizerDefs[name as keyof typeof optimizerDefs].hyperparams as Record<string, unknown>;
  const hyperparams = runtime ? runtime.hyperparams(params) : pick(params, Object.keys(schema));
  return {
    node: node.id,
    name,
    hyperparams,
    lossNode: lossEdge.from.node,
    loss,
    params: chosen,
    scheduler,
    clip,
    accumulate: Math.max(1, Math.floor(firstNumber(params, ['accumulation_steps', 'accumulate']) ?? 1)),
  };
}
