/**
 * Symbolic shape inference over a whole document. One sweep visits nodes in topological
 * order; a node is recomputed when it is dirty, downstream of a recomputed node, or when a
 * symbol it read now resolves differently; every other node replays its recorded symbol
 * constraints. So an incremental update gives exactly what a full inference gives.
 */
import type { Catalog } from '../nodes/catalog.ts';
import type { InferContext } from '../nodes/define.ts';
import type { Dim, PortDef, ShapeIssue, TensorType } from '../nodes/types.ts';
import { type Diagnostic, toDiagnostic } from './diagnostics.ts';
import {
  COMPOSITE_TYPE,
  DocumentIndex,
  feedbackTest,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  type NodeId,
  portsOf,
  type Subgraph,
  topologicalOrder,
} from './document.ts';
import { SymbolTable } from './symbols.ts';

/**
 * ok, warning (outputs valid), error (this node's rule failed), blocked (an upstream node
 * failed), incomplete (a required input is not connected).
 */
export type NodeStatus = 'ok' | 'warning' | 'error' | 'blocked' | 'incomplete';

/** What inference knows about one node: its port types and diagnostics. */
export interface NodeInference {
  id: NodeId;
  status: NodeStatus;
  /** per input port: the incoming type, or null (unconnected, or unknown upstream) */
  inputs: Record<string, TensorType | null>;
  /** per output port: the inferred type, or null when it cannot be known */
  outputs: Record<string, TensorType | null>;
  diagnostics: Diagnostic[];
  /** for a blocked node: the node whose error or missing input stops it */
  blockedBy?: NodeId;
  /** trainable parameters, from the node type's paramCount */
  paramCount: number;
}

interface NodeRecord {
  info: NodeInference;
  /** symbol constraints the rule made, as flat pairs, replayed by later sweeps */
  constraints: Dim[];
  /** symbols the rule read, what they resolved to and who bound them, as flat triples */
  reads: Dim[];
}

/** Nodes as slots in topological order, for the sweep's hot loop. */
interface Layout {
  order: readonly NodeId[];
  outgoing: ReadonlyMap<NodeId, GraphEdge[]>;
  slot: Map<NodeId, number>;
  successors: number[][];
  /** each slot's current record (kept in step with `records`) */
  records: (NodeRecord | undefined)[];
}

/** Where an input's type comes from while evaluating a node. */
type InputSource = { type: TensorType } | { blockedBy: NodeId } | null;

export interface SweepResult {
  /** nodes whose rule ran, in topological order */
  recomputed: NodeId[];
  /** nodes whose published inference changed, in topological order */
  changed: NodeId[];
}

/** Shared empty lists, replaced by a real array on the first push (most nodes never push). */
const NO_ISSUES: ShapeIssue[] = [];
const NO_DIMS: Dim[] = [];

const failed = (s: NodeStatus) => s === 'error' || s === 'blocked' || s === 'incomplete';

function sameType(a: TensorType | null, b: TensorType | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.dtype !== b.dtype || a.dims.length !== b.dims.length) return false;
  return a.dims.every((d, i) => d === b.dims[i]);
}

function samePorts(a: Record<string, TensorType | null>, b: Record<string, TensorType | null>): boolean {
  let count = 0;
  for (const k in a) {
    if (!(k in b) || !sameType(a[k], b[k])) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

function sameDiagnostics(a: Diagnostic[], b: Diagnostic[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (
      x.code !== y.code ||
      x.message !== y.message ||
      x.edgeId !== y.edgeId ||
      x.fixes.length !== y.fixes.length
    )
      return false;
  }
  return true;
}

/** Equal for display purposes: status, types and diagnostics' messages. */
export function sameInference(a: NodeInference | undefined, b: NodeInference): boolean {
  if (!a) return false;
  if (a === b) return true;
  return (
    a.status === b.status &&
    a.blockedBy === b.blockedBy &&
    a.paramCount === b.paramCount &&
    samePorts(a.outputs, b.outputs) &&
    samePorts(a.inputs, b.inputs) &&
    sameDiagnostics(a.diagnostics, b.diagnostics)
  );
}

/** An explanation with lines appended (a broadcast explanation keeps its structure). */
function withNotes(explanation: Diagnostic['explanation'], notes: string[]): Diagnostic['explanation'] {
  const extra = `Symbols here: ${notes.join('; ')}.`;
  if (explanation === undefined) return extra;
  if (typeof explanation === 'string') return `${explanation}\n${extra}`;
  return { ...explanation, text: `${explanation.text}\n${extra}` };
}

/** Type and id, not the label: a rename is cosmetic and must not change inference. */
function describeNode(node: GraphNode | undefined, id: NodeId): string {
  return node ? `${node.type} (${id})` : id;
}

/** Incremental inference state for one document; the propagation store keeps one. */
export class ShapeInference {
  private records = new Map<NodeId, NodeRecord>();
  private published = new Map<NodeId, NodeInference>();
  private readonly table = new SymbolTable();
  private bindingsKey = '';
  private diagnosticsCache: Diagnostic[] | null = null;
  private layout: Layout | null = null;
  /** issues raised inside a composite → the inner node they are about */
  private readonly issueSources = new WeakMap<ShapeIssue, NodeId>();
  private subgraphIndexes = new WeakMap<Subgraph, { index: DocumentIndex; order: NodeId[] }>();

  constructor(readonly catalog: Catalog) {}

  /** The published inference of a node (symbols resolved as far as the whole graph knows). */
  get(id: NodeId): NodeInference | undefined {
    return this.published.get(id);
  }

  get nodes(): ReadonlyMap<NodeId, NodeInference> {
    return this.published;
  }

  /** symbol → what it resolves to (a size, or another symbol it was unified with) */
  get bindings(): Map<string, Dim> {
    return this.table.bindings();
  }

  /** Every node's diagnostics (the same array until some node's diagnostics change). */
  diagnostics(): Diagnostic[] {
    if (!this.diagnosticsCache)
      this.diagnosticsCache = [...this.published.values()].flatMap((n) => n.diagnostics);
    return this.diagnosticsCache;
  }

  /**
   * Bring inference up to date with `index` (the new document). `seeds` are the nodes whose
   * own inputs changed ('all' for a fresh document); everything downstream follows.
   */
  update(
    index: DocumentIndex,
    order: readonly NodeId[],
    seeds: Iterable<NodeId> | 'all',
    /** nodes the change removed (with 'all', anything not in `index` is dropped) */
    removed: Iterable<NodeId> = [],
  ): SweepResult {
    for (const id of seeds === 'all' ? [...this.records.keys()] : removed) {
      if (!index.nodes.has(id) && this.records.delete(id)) {
        this.published.delete(id);
        this.diagnosticsCache = null;
      }
    }
    this.table.clear();
    const layout = this.layoutFor(index, order);
    const bySlot = layout.records;
    const dirty = new Uint8Array(order.length);
    if (seeds === 'all') dirty.fill(1);
    else {
      for (const id of seeds) {
        const at = layout.slot.get(id);
        if (at !== undefined) dirty[at] = 1;
      }
    }
    const recomputed: NodeId[] = [];
    const fresh: NodeRecord[] = [];
    for (let s = 0; s < order.length; s++) {
      const old = bySlot[s];
      if (old && dirty[s] === 0 && !this.readsChanged(old)) {
        this.replay(old);
        continue;
      }
      const id = order[s];
      const rec = this.evaluate(index.nodes.get(id) as GraphNode, index, this.records);
      this.records.set(id, rec);
      bySlot[s] = rec;
      recomputed.push(id);
      fresh.push(rec);
      for (const t of layout.successors[s]) dirty[t] = 1;
    }
    return { recomputed, changed: this.publish(order, recomputed, fresh) };
  }

  /**
   * Slots in topological order with their successors, rebuilt only when the structure changes
   * (the store hands the same `order` array until a node or edge is added or removed).
   */
  private layoutFor(index: DocumentIndex, order: readonly NodeId[]): Layout {
    const cached = this.layout;
    if (cached && cached.order === order && cached.outgoing === index.outgoing) return cached;
    const slot = new Map<NodeId, number>();
    order.forEach((id, i) => slot.set(id, i));
    const successors = order.map((id) => {
      const next: number[] = [];
      for (const e of index.outgoing.get(id) ?? []) {
        const t = slot.get(e.to.node);
        if (t !== undefined && !next.includes(t)) next.push(t);
      }
      return next;
    });
    const records = order.map((id) => this.records.get(id));
    this.layout = { order, outgoing: index.outgoing, slot, successors, records };
    return this.layout;
  }

  private readsChanged(rec: NodeRecord): boolean {
    const r = rec.reads;
    for (let i = 0; i < r.length; i += 3) {
      if (this.table.resolve(r[i]) !== r[i + 1] || this.boundBy(r[i]) !== r[i + 2]) return true;
    }
    return false;
  }

  /** Who bound a symbol to its size; '' for nobody (kept as a Dim in the reads list). */
  private boundBy(symbol: Dim): string {
    return typeof symbol === 'string' ? (this.table.boundBy(symbol) ?? '') : '';
  }

  private replay(rec: NodeRecord): void {
    const c = rec.constraints;
    for (let i = 0; i < c.length; i += 2) this.table.unify(c[i], c[i + 1], rec.info.id);
  }

  /** "d = 784 (bound by Linear (node:fc))" for each symbol this node saw as a size. */
  private bindingNotes(rec: NodeRecord, index: DocumentIndex): string[] {
    const notes: string[] = [];
    const r = rec.reads;
    for (let i = 0; i < r.length; i += 3) {
      const symbol = r[i] as string;
      const by = (r[i + 2] || undefined) as NodeId | undefined;
      if (typeof r[i + 1] !== 'number' || !by || by === rec.info.id) continue;
      const note = `${symbol} = ${r[i + 1]} (bound by ${describeNode(index.nodes.get(by), by)})`;
      if (!notes.includes(note)) notes.push(note);
    }
    return notes;
  }

  private sourceFor(
    node: GraphNode,
    port: PortDef,
    index: DocumentIndex,
    records: Map<NodeId, NodeRecord>,
  ): InputSource {
    const edge = index.edgeInto(node.id, port.name);
    if (!edge || port.feedback) return null;
    const up = records.get(edge.from.node);
    if (!up) return { blockedBy: edge.from.node };
    if (failed(up.info.status)) return { blockedBy: up.info.blockedBy ?? up.info.id };
    const type = up.info.outputs[edge.from.port];
    return type ? { type } : { blockedBy: up.info.id };
  }

  /** The record being evaluated: the shared context writes its constraints and reads here. */
  private evaluating: NodeRecord | null = null;
  /**
   * The top-level composite whose inner nodes are being evaluated: it binds what they bind, so
   * "bound by" names a node of the document, as a replay of the composite's record does.
   */
  private composite: NodeId | null = null;
  private warnings: ShapeIssue[] = NO_ISSUES;
  /** One context for every rule call (no per-node closures on the hot path). */
  private readonly ctx: InferContext = {
    unify: (a, b) => {
      // two sizes bind nothing, so there is nothing to replay
      if (typeof a === 'number' && typeof b === 'number') return a === b;
      const rec = this.evaluating;
      if (rec) {
        if (rec.constraints === NO_DIMS) rec.constraints = [];
        rec.constraints.push(a, b);
      }
      return this.table.unify(a, b, this.composite ?? rec?.info.id);
    },
    resolve: (d) => {
      const r = this.table.resolve(d);
      const rec = this.evaluating;
      if (typeof d === 'string' && rec) {
        if (rec.reads === NO_DIMS) rec.reads = [];
        rec.reads.push(d, r, this.boundBy(d));
      }
      return r;
    },
    warn: (issue) => {
      if (this.warnings === NO_ISSUES) this.warnings = [];
      this.warnings.push(issue);
    },
  };

  /**
   * Run one node's rule on its inputs; records the symbols it reads and binds. Inputs come
   * from `records` along the edges of `index`, or from `exposed` (a composite's outer inputs).
   */
  private evaluate(
    node: GraphNode,
    index: DocumentIndex,
    records: Map<NodeId, NodeRecord>,
    exposed?: (port: PortDef) => InputSource | undefined,
  ): NodeRecord {
    const outerRecord = this.evaluating;
    const outerWarnings = this.warnings;
    const rec: NodeRecord = {
      info: { id: node.id, status: 'ok', inputs: {}, outputs: {}, diagnostics: [], paramCount: 0 },
      constraints: NO_DIMS,
      reads: NO_DIMS,
    };
    this.evaluating = rec;
    this.warnings = NO_ISSUES;
    try {
      this.evaluateInto(rec, node, index, records, exposed);
    } finally {
      this.evaluating = outerRecord;
      this.warnings = outerWarnings;
    }
    return rec;
  }

  private evaluateInto(
    rec: NodeRecord,
    node: GraphNode,
    index: DocumentIndex,
    records: Map<NodeId, NodeRecord>,
    exposed?: (port: PortDef) => InputSource | undefined,
  ): void {
    const { info } = rec;
    const ports = portsOf(node, this.catalog);
    if (!ports) {
      info.status = 'error';
      info.diagnostics.push({
        severity: 'error',
        code: 'unknown_type',
        nodeId: node.id,
        message: `unknown node type '${node.type}'`,
        fixes: [],
      });
      return;
    }
    for (const p of ports.outputs) info.outputs[p.name] = null;
    const ctx = this.ctx;
    const types: (TensorType | null)[] = [];
    let blockedBy: NodeId | undefined;
    const unconnected: string[] = [];
    for (const p of ports.inputs) {
      const fromOutside = exposed?.(p);
      const src = fromOutside !== undefined ? fromOutside : this.sourceFor(node, p, index, records);
      if (src === null) {
        if (!p.optional && !p.feedback) unconnected.push(p.name);
        types.push(null);
      } else if ('blockedBy' in src) {
        blockedBy ??= src.blockedBy;
        types.push(null);
      } else {
        const dims = src.type.dims;
        const resolved = new Array<Dim>(dims.length);
        for (let i = 0; i < dims.length; i++)
          resolved[i] = typeof dims[i] === 'number' ? dims[i] : ctx.resolve(dims[i]);
        types.push({ dtype: src.type.dtype, dims: resolved });
      }
      info.inputs[p.name] = types[types.length - 1];
    }
    if (unconnected.length > 0) {
      info.status = 'incomplete';
      for (const port of unconnected) {
        info.diagnostics.push({
          severity: 'info',
          code: 'unconnected',
          nodeId: node.id,
          port,
          message: `input '${port}' is not connected`,
          fixes: [],
        });
      }
      return;
    }
    if (blockedBy !== undefined) {
      info.status = 'blocked';
      info.blockedBy = blockedBy;
      const message = `unknown because of ${describeNode(index.nodes.get(blockedBy), blockedBy)}`;
      info.diagnostics.push({ severity: 'info', code: 'blocked', nodeId: node.id, message, fixes: [] });
      return;
    }
    const issues = this.dtypeIssues(ports.inputs, types, node.type);
    const result = issues.length > 0 ? issues : this.runRule(node, types, ctx);
    // the usual answer is all types: use it as it is
    let allTypes = result.length === ports.outputs.length;
    for (let i = 0; allTypes && i < result.length; i++) allTypes = 'dims' in result[i];
    const outputs = allTypes ? (result as TensorType[]) : result.filter((r): r is TensorType => 'dims' in r);
    const errors = allTypes ? NO_ISSUES : result.filter((r): r is ShapeIssue => !('dims' in r));
    if (!allTypes && errors.length === 0) {
      errors.push({
        severity: 'error',
        code: 'rule_failed',
        message: `${node.type}'s shape rule gave ${outputs.length} outputs for ${ports.outputs.length} ports`,
      });
    }
    if (errors.length > 0) {
      info.status = 'error';
      const notes = this.bindingNotes(rec, index);
      for (const issue of errors) {
        const d = toDiagnostic({ ...issue, severity: 'error' }, node, index, this.catalog);
        if (notes.length > 0) d.explanation = withNotes(d.explanation, notes);
        const inner = this.issueSources.get(issue);
        if (inner) d.innerNodeId = inner;
        info.diagnostics.push(d);
      }
      return;
    }
    for (let i = 0; i < ports.outputs.length; i++) info.outputs[ports.outputs[i].name] = outputs[i];
    for (const w of this.warnings) info.diagnostics.push(toDiagnostic(w, node, index, this.catalog));
    if (this.warnings.length > 0) info.status = 'warning';
    info.paramCount = this.paramCount(node, types);
  }

  private dtypeIssues(ports: PortDef[], types: (TensorType | null)[], nodeType: string): ShapeIssue[] {
    let issues: ShapeIssue[] | undefined;
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      const t = types[i];
      if (p.dtype && t && t.dtype !== p.dtype) {
        issues ??= [];
        issues.push({
          severity: 'error',
          code: 'dtype',
          port: p.name,
          message: `${nodeType} expects ${p.dtype} on '${p.name}', got ${t.dtype}`,
        });
      }
    }
    return issues ?? NO_ISSUES;
  }

  /** The node type's rule (or a composite's subgraph); a throwing rule becomes a diagnostic. */
  private runRule(
    node: GraphNode,
    types: (TensorType | null)[],
    ctx: InferContext,
  ): (TensorType | ShapeIssue)[] {
    try {
      if (node.type === COMPOSITE_TYPE && node.subgraph) return this.runSubgraph(node.subgraph, types, ctx);
      const def = this.catalog.get(node.type);
      if (!def)
        return [{ severity: 'error', code: 'unknown_type', message: `unknown node type '${node.type}'` }];
      return def.infer(types, node.params as never, ctx);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return [
        { severity: 'error', code: 'rule_failed', message: `${node.type}'s shape rule failed: ${why}` },
      ];
    }
  }

  /** A composite: its inner nodes in order, the outer input types fed to the exposed ports. */
  private runSubgraph(
    sub: Subgraph,
    types: (TensorType | null)[],
    ctx: InferContext,
  ): (TensorType | ShapeIssue)[] {
    const outer = this.composite;
    this.composite ??= this.evaluating?.info.id ?? null;
    try {
      return this.innerTypes(sub, types, ctx);
    } finally {
      this.composite = outer;
    }
  }

  private innerTypes(
    sub: Subgraph,
    types: (TensorType | null)[],
    ctx: InferContext,
  ): (TensorType | ShapeIssue)[] {
    let cached = this.subgraphIndexes.get(sub);
    if (!cached) {
      const index = new DocumentIndex(sub);
      cached = { index, order: topologicalOrder(index, feedbackTest(index, this.catalog)).order };
      this.subgraphIndexes.set(sub, cached);
    }
    const { index, order } = cached;
    const inner = new Map<NodeId, NodeRecord>();
    for (const id of order) {
      const node = index.nodes.get(id) as GraphNode;
      const exposed = (port: PortDef): InputSource | undefined => {
        const at = sub.inputs.findIndex((x) => x.node === id && x.port === port.name);
        if (at < 0) return undefined;
        return types[at] ? { type: types[at] as TensorType } : null;
      };
      const rec = this.evaluate(node, index, inner, exposed);
      for (let i = 0; i < rec.constraints.length; i += 2)
        ctx.unify(rec.constraints[i], rec.constraints[i + 1]);
      for (let i = 0; i < rec.reads.length; i += 3) ctx.resolve(rec.reads[i]);
      inner.set(id, rec);
    }
    const issues: ShapeIssue[] = [];
    for (const r of inner.values()) {
      for (const d of r.info.diagnostics) {
        if (d.severity !== 'error' && d.code !== 'unconnected') continue;
        const message = `${describeNode(index.nodes.get(d.nodeId), d.nodeId)}: ${d.message}`;
        const issue: ShapeIssue = { severity: 'error', code: d.code, message, explanation: d.explanation };
        this.issueSources.set(issue, d.nodeId);
        issues.push(issue);
      }
    }
    if (issues.length > 0) return issues;
    return sub.outputs.map((x) => {
      const t = inner.get(x.node)?.info.outputs[x.port];
      return (
        t ?? { severity: 'error', code: 'unconnected', message: `exposed output '${x.name}' has no type` }
      );
    });
  }

  private paramCount(node: GraphNode, types: (TensorType | null)[]): number {
    if (node.type === COMPOSITE_TYPE) {
      return (node.subgraph?.nodes ?? []).reduce((n, inner) => n + this.paramCount(inner, []), 0);
    }
    try {
      return this.catalog.get(node.type)?.paramCount(types, node.params as never) ?? 0;
    } catch {
      return 0;
    }
  }

  /**
   * Publish what changed: recomputed nodes, and (when some symbol's binding changed) every
   * node whose types mention a symbol, resolved with the final bindings.
   */
  private publish(order: readonly NodeId[], recomputed: NodeId[], fresh: NodeRecord[]): NodeId[] {
    const bindings = this.table.bindings();
    let key = '';
    if (bindings.size > 0)
      key = [...bindings]
        .map(([s, v]) => `${s}=${v}`)
        .sort()
        .join(',');
    const rebind = key !== this.bindingsKey;
    this.bindingsKey = key;
    const candidates = rebind ? order : recomputed;
    const changed: NodeId[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const id = candidates[i];
      const rec = rebind ? (this.records.get(id) as NodeRecord) : fresh[i];
      const info = bindings.size > 0 ? this.resolveInfo(rec.info) : rec.info;
      const before = this.published.get(id);
      if (!sameInference(before, info)) {
        if (!before || before.diagnostics.length > 0 || info.diagnostics.length > 0)
          this.diagnosticsCache = null;
        this.published.set(id, info);
        changed.push(id);
      } else if (before !== info) this.published.set(id, info);
    }
    return changed;
  }

  private resolveInfo(info: NodeInference): NodeInference {
    let touched = false;
    const resolvePorts = (ports: Record<string, TensorType | null>) => {
      const out: Record<string, TensorType | null> = {};
      for (const [name, t] of Object.entries(ports)) {
        if (t?.dims.some((d) => typeof d === 'string' && this.table.resolve(d) !== d)) {
          touched = true;
          out[name] = { dtype: t.dtype, dims: t.dims.map((d) => this.table.resolve(d)) };
        } else out[name] = t;
      }
      return out;
    };
    const inputs = resolvePorts(info.inputs);
    const outputs = resolvePorts(info.outputs);
    return touched ? { ...info, inputs, outputs } : info;
  }
}

/** The result of inferring a whole document at once. */
export interface GraphInference {
  nodes: ReadonlyMap<NodeId, NodeInference>;
  diagnostics: Diagnostic[];
  bindings: Map<string, Dim>;
  order: NodeId[];
}

/** Infer every node's port types and diagnostics (no incremental state kept). */
export function inferShapes(doc: Pick<GraphDocument, 'nodes' | 'edges'>, catalog: Catalog): GraphInference {
  const index = new DocumentIndex(doc);
  const { order } = topologicalOrder(index, feedbackTest(index, catalog));
  const inference = new ShapeInference(catalog);
  inference.update(index, order, 'all');
  return {
    nodes: inference.nodes,
    diagnostics: inference.diagnostics(),
    bindings: inference.bindings,
    order,
  };
}
