/**
 * Composite node types: a block (ResNet, Inception, Transformer, …) declared as a function
 * from its params to a subgraph of catalog node types with exposed ports. Inference, lowering,
 * parameter counts and FLOPs walk that subgraph; `expand(params)` hands the same subgraph to
 * the editor, which can open it as a document Composite node and edit it.
 */
import { type AnyNodeDef, type InferContext, type NodeDef, type OpBuilder, sizeOrZero } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { defaultParams, type ParamSchema, type ParamsOf } from '../params.ts';
import type { Dim, ParamValue, PortDef, ShapeIssue, TensorType } from '../types.ts';

/*
 * The subgraph records, structurally the graph document's (src/graph/document.ts) so an
 * expanded block drops into a document Composite node; declared here because the node
 * catalog sits below the graph layer and must not import it.
 */
type NodeId = `node:${string}`;
interface PortRef {
  node: NodeId;
  port: string;
}
interface GraphNode {
  id: NodeId;
  type: string;
  params: Record<string, ParamValue>;
  position: { x: number; y: number };
}
interface GraphEdge {
  id: `edge:${string}`;
  from: PortRef;
  to: PortRef;
}
interface ExposedPort {
  name: string;
  node: NodeId;
  port: string;
}
export interface Subgraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  inputs: ExposedPort[];
  outputs: ExposedPort[];
}

/** An output port of an inner node. */
export interface Ref {
  node: NodeId;
  port: string;
}

/** Builds a subgraph in topological order: each node is added after the nodes it reads. */
export class SubgraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  readonly inputs: ExposedPort[] = [];
  readonly outputs: ExposedPort[] = [];
  readonly defs = new Map<string, AnyNodeDef>();

  /** An exposed input, fanned out through an Identity node named after it. */
  input(name: string, identity: AnyNodeDef): Ref {
    const ref = this.add(name, identity, {}, {});
    this.inputs.push({ name, node: ref.node, port: 'input' });
    return ref;
  }

  /**
   * Add a node named `name` (its parameters are then `name.weight`, as PyTorch names a
   * submodule's) with its inputs wired from `from`; returns its first output.
   */
  add(name: string, def: AnyNodeDef, params: Record<string, ParamValue>, from: Record<string, Ref>): Ref {
    const id = `node:${name}` as NodeId;
    this.defs.set(def.type, def);
    this.nodes.push({
      id,
      type: def.type,
      params: { ...(defaultParams(def.params) as Record<string, ParamValue>), ...params },
      position: { x: 0, y: 0 },
    });
    for (const [port, ref] of Object.entries(from)) {
      this.edges.push({
        id: `edge:${ref.node.slice(5)}.${ref.port}-${name}.${port}`,
        from: ref,
        to: { node: id, port },
      });
    }
    this.nodes[this.nodes.length - 1].position = { x: 160 * (this.nodes.length - 1), y: 0 };
    return { node: id, port: def.outputs[0].name };
  }

  output(name: string, ref: Ref): void {
    this.outputs.push({ name, node: ref.node, port: ref.port });
  }

  subgraph(): Subgraph {
    return { nodes: this.nodes, edges: this.edges, inputs: this.inputs, outputs: this.outputs };
  }
}

interface Walk {
  /** each inner node's input types, for counts */
  inputs: Map<NodeId, (TensorType | null)[]>;
  outputs: TensorType[];
}

/** Run the inner shape rules in order; the first inner error becomes the composite's, naming the inner node. */
function walk(b: SubgraphBuilder, types: (TensorType | null)[], ctx: InferContext): Walk | ShapeIssue[] {
  const values = new Map<NodeId, TensorType[]>();
  const inputs = new Map<NodeId, (TensorType | null)[]>();
  for (const node of b.nodes) {
    const def = b.defs.get(node.type) as AnyNodeDef;
    const ins = def.inputs.map((port) => {
      const exposed = b.inputs.findIndex((x) => x.node === node.id && x.port === port.name);
      if (exposed >= 0) return types[exposed] ?? null;
      const edge = b.edges.find((e) => e.to.node === node.id && e.to.port === port.name);
      if (!edge) return null;
      const from = b.defs.get(b.nodes.find((n) => n.id === edge.from.node)?.type ?? '') as AnyNodeDef;
      return values.get(edge.from.node)?.[from.outputs.findIndex((o) => o.name === edge.from.port)] ?? null;
    });
    const missing = def.inputs.find((port, i) => !port.optional && ins[i] === null);
    if (missing)
      return fail(
        'missing_input',
        `${node.id.slice(5)} (${node.type}): input '${missing.name}' has no value`,
      );
    const result = def.infer(ins, node.params as never, ctx);
    const issues = result.filter((r): r is ShapeIssue => 'severity' in r);
    if (issues.length > 0)
      return issues.map((i) => ({
        ...i,
        port: undefined,
        message: `${node.id.slice(5)} (${node.type}): ${i.message}`,
      }));
    inputs.set(node.id, ins);
    values.set(node.id, result as TensorType[]);
  }
  const outputs = b.outputs.map((x) => {
    const def = b.defs.get(b.nodes.find((n) => n.id === x.node)?.type ?? '') as AnyNodeDef;
    return values.get(x.node)?.[def.outputs.findIndex((o) => o.name === x.port)] as TensorType;
  });
  return { inputs, outputs };
}

/** A builder that names an inner node's parameters and buffers `inner.name`. */
function prefixed<V>(b: OpBuilder<V>, inner: string): OpBuilder<V> {
  return {
    op: (name, inputs, attrs) => b.op(name, inputs, attrs),
    param: (name, shape, init) => b.param(`${inner}.${name}`, shape, init),
    constant: (data, shape, dtype) => b.constant(data, shape, dtype),
    source: (shape, dtype) => b.source(shape, dtype),
    ...(b.buffer
      ? {
          buffer: (name: string, shape: number[], init: Parameters<NonNullable<OpBuilder<V>['buffer']>>[2]) =>
            b.buffer!(`${inner}.${name}`, shape, init),
        }
      : {}),
    ...(b.setBuffer
      ? { setBuffer: (name: string, value: V) => b.setBuffer!(`${inner}.${name}`, value) }
      : {}),
  };
}

const concrete: InferContext = { unify: (a: Dim, c: Dim) => a === c, resolve: (d) => d, warn: () => {} };
const lenient: InferContext = { unify: () => true, resolve: (d) => d, warn: () => {} };

/** Lower the inner nodes in order, on numeric shapes. */
function lowerInner<V>(
  sub: SubgraphBuilder,
  b: OpBuilder<V>,
  inputs: (V | null)[],
  shapes: (number[] | null)[],
): V[] {
  const values = new Map<NodeId, { v: V[]; shapes: number[][] }>();
  const producedBy = (ref: { node: NodeId; port: string }) => {
    const def = sub.defs.get(sub.nodes.find((n) => n.id === ref.node)?.type ?? '') as AnyNodeDef;
    const at = def.outputs.findIndex((o) => o.name === ref.port);
    const got = values.get(ref.node);
    return got ? { v: got.v[at], shape: got.shapes[at] } : null;
  };
  for (const node of sub.nodes) {
    const def = sub.defs.get(node.type) as AnyNodeDef;
    const ins = def.inputs.map((port) => {
      const exposed = sub.inputs.findIndex((x) => x.node === node.id && x.port === port.name);
      if (exposed >= 0)
        return inputs[exposed] === null
          ? null
          : { v: inputs[exposed] as V, shape: shapes[exposed] as number[] };
      const edge = sub.edges.find((e) => e.to.node === node.id && e.to.port === port.name);
      return edge ? producedBy(edge.from) : null;
    });
    const types = ins.map((x): TensorType | null => (x ? { dtype: 'float32', dims: x.shape } : null));
    const out = def
      .infer(types, node.params as never, concrete)
      .map((r) => ('dims' in r ? (r.dims as number[]) : []));
    const v = def.lower(
      prefixed(b, node.id.slice(5)),
      ins.map((x) => x?.v ?? null),
      node.params as never,
      {
        inputs: ins.map((x) => x?.shape ?? null),
        outputs: out,
      },
    );
    values.set(node.id, { v, shapes: out });
  }
  return sub.outputs.map((x) => producedBy(x)?.v as V);
}

export type CompositeNodeDef<S extends ParamSchema = ParamSchema> = NodeDef<S> & {
  /** the block as an editable subgraph (for a document Composite node) */
  expand(params: ParamsOf<S>): Subgraph;
};

export function defineComposite<S extends ParamSchema>(o: {
  type: string;
  aliases: string[];
  doc: string;
  formula: string;
  params: S;
  inputs: PortDef[];
  outputs: PortDef[];
  /** a check across params before the block is built (e.g. heads dividing the width) */
  check?(params: ParamsOf<S>): ShapeIssue[];
  build(params: ParamsOf<S>): SubgraphBuilder;
}): CompositeNodeDef<S> {
  const node = declareNode({
    type: o.type,
    group: 'composites',
    aliases: o.aliases,
    doc: o.doc,
    formula: o.formula,
    params: o.params,
    inputs: o.inputs,
    outputs: o.outputs,
    infer(types, params, ctx) {
      const bad = o.check?.(params) ?? [];
      if (bad.length) return bad;
      const result = walk(o.build(params), types, ctx);
      return 'outputs' in result ? result.outputs : result;
    },
    lower: (b, inputs, params, shapes) => lowerInner(o.build(params), b, inputs, shapes.inputs),
    paramCount(types, params) {
      const sub = o.build(params);
      const result = walk(sub, types, lenient);
      return sub.nodes.reduce((n, inner) => {
        const ins = 'inputs' in result ? (result.inputs.get(inner.id) ?? []) : [];
        return n + (sub.defs.get(inner.type) as AnyNodeDef).paramCount(ins, inner.params as never);
      }, 0);
    },
    flops(types, params) {
      const sub = o.build(params);
      const result = walk(sub, types, lenient);
      if (!('inputs' in result)) return 0;
      return sub.nodes.reduce((n, inner) => {
        const def = sub.defs.get(inner.type) as AnyNodeDef;
        return n + sizeOrZero(def.flops?.(result.inputs.get(inner.id) ?? [], inner.params as never) ?? 0);
      }, 0);
    },
  });
  return { ...node, expand: (params) => o.build(params).subgraph() };
}
