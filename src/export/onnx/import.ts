/**
 * ONNX model → graph document, for the ops the catalog has a node for. Every ONNX node is read
 * through the mapping table (table.ts); one that no rule reads is counted by op name, and any
 * such op makes the import fail with the full list — nothing is dropped silently. Graph inputs
 * become Input nodes with their symbolic dims, initializers become the nodes' weights (returned
 * beside the document, keyed `<node id>/<parameter>` as the compiled plan names them), and the
 * result must infer shapes with no errors and compile with exactly those weights.
 */
import { tensor } from '../../engine/create.ts';
import type { Tensor } from '../../engine/tensor.ts';
import type { DocumentMeta, GraphDocument, Subgraph } from '../../graph/document.ts';
import { inferShapes } from '../../graph/infer.ts';
import type { Catalog } from '../../nodes/catalog.ts';
import type { Dim } from '../../nodes/types.ts';
import { GraphBuilder, type NodeHandle } from '../../templates/build.ts';
import { compileGraph } from '../../training/compile.ts';
import { NODE_TYPES_METADATA, SYMBOLS_METADATA } from './builder.ts';
import { type ConstTensor, type ImportContext, type ImportMatch, OnnxImportError } from './mapping.ts';
import {
  type AttributeProto,
  AttributeType,
  DataType,
  decodeModel,
  type FunctionProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from './proto.ts';
import { importNode } from './table.ts';

export interface OnnxImport {
  doc: GraphDocument;
  /** the nodes' parameters by plan key (`node:fc1/weight`) */
  weights: Map<string, Tensor>;
}

/** Read an .onnx file as a document and its weights, or say precisely what cannot be read. */
export function importOnnx(bytes: Uint8Array, catalog: Catalog): OnnxImport | OnnxImportError {
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (e) {
    return new OnnxImportError('not_onnx', `not an ONNX model: ${(e as Error).message}`);
  }
  if (!model.graph) return new OnnxImportError('not_onnx', 'not an ONNX model: it has no graph');
  try {
    return new OnnxReader(model, catalog).run();
  } catch (e) {
    if (e instanceof OnnxImportError) return e;
    throw e;
  }
}

/** A TensorProto's values as float32 (weights, shapes, ratios are all small enough to be exact). */
function constTensor(t: TensorProto, what: string): ConstTensor {
  if (t.dataLocation === 1)
    throw new OnnxImportError('external_data', `${what} is stored in an external file`);
  const dims = (t.dims ?? []).map(Number);
  const count = dims.reduce((n, d) => n * d, 1);
  const raw = t.rawData;
  let values: ArrayLike<number>;
  if (raw?.length) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const read: Record<number, [number, (at: number) => number]> = {
      [DataType.FLOAT]: [4, (at) => view.getFloat32(at, true)],
      [DataType.DOUBLE]: [8, (at) => view.getFloat64(at, true)],
      [DataType.INT32]: [4, (at) => view.getInt32(at, true)],
      [DataType.INT64]: [8, (at) => Number(view.getBigInt64(at, true))],
    };
    const reader = read[t.dataType ?? 0];
    if (!reader)
      throw new OnnxImportError(
        'dtype',
        `${what} has data type ${t.dataType}, which Shapeflow does not read`,
      );
    values = Array.from({ length: raw.length / reader[0] }, (_, i) => reader[1](i * reader[0]));
  } else {
    values = t.floatData?.length
      ? t.floatData
      : t.int64Data?.length
        ? t.int64Data.map(Number)
        : t.int32Data?.length
          ? t.int32Data
          : (t.doubleData ?? []);
  }
  if (values.length !== count)
    throw new OnnxImportError(
      'tensor',
      `${what} should hold ${count} values for dims [${dims}], has ${values.length}`,
    );
  return { dims, data: Float32Array.from(values) };
}

function attributeValue(
  a: AttributeProto,
  what: string,
): number | number[] | string | ConstTensor | undefined {
  switch (a.type) {
    case AttributeType.FLOAT:
      return a.f ?? 0;
    case AttributeType.INT:
      return Number(a.i ?? 0);
    case AttributeType.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    case AttributeType.FLOATS:
      return [...(a.floats ?? [])];
    case AttributeType.INTS:
      return (a.ints ?? []).map(Number);
    case AttributeType.TENSOR:
      return a.t ? constTensor(a.t, what) : undefined;
    default:
      return undefined;
  }
}

/** A Constant node's value as a tensor. */
function constantValue(node: NodeProto): ConstTensor | null {
  const a = node.attribute?.[0];
  if (!a) return null;
  const v = attributeValue(a, `Constant ${node.output[0]}`);
  if (v === undefined || typeof v === 'string') return null;
  if (typeof v === 'number') return { dims: [], data: Float32Array.of(v) };
  if (Array.isArray(v)) return { dims: [v.length], data: Float32Array.from(v) };
  return v;
}

const opLabel = (n: NodeProto) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType);

class OnnxReader {
  private readonly initializers = new Map<string, TensorProto>();
  private readonly constants = new Map<string, NodeProto>();
  private readonly producers = new Map<string, NodeProto>();
  private readonly readers = new Map<string, NodeProto[]>();
  private readonly dims = new Map<string, Dim[] | null>();
  private readonly functions = new Map<string, FunctionProto>();
  /** values computable from initializers and constants alone (a weight's Transpose) */
  private readonly fixed = new Set<string>();
  /** the node types the exporter recorded by node id (a file from elsewhere has none) */
  private readonly recordedTypes: Record<string, string>;

  constructor(
    private readonly model: ModelProto,
    private readonly catalog: Catalog,
  ) {
    const g = model.graph;
    for (const t of g.initializer ?? []) this.initializers.set(t.name ?? '', t);
    for (const f of model.functions ?? []) this.functions.set(`${f.domain}\u0000${f.name}`, f);
    for (const v of [...(g.input ?? []), ...(g.valueInfo ?? []), ...(g.output ?? [])]) {
      const shape = v.type?.tensorType?.shape;
      if (!shape) continue;
      const dims = (shape.dim ?? []).map(
        (d) => d.dimParam ?? (d.dimValue !== undefined ? Number(d.dimValue) : null),
      );
      this.dims.set(v.name, dims.includes(null) ? null : (dims as Dim[]));
    }
    for (const name of this.initializers.keys()) this.fixed.add(name);
    this.recordedTypes = parseJsonObject<string>(
      model.metadataProps?.find((p) => p.key === NODE_TYPES_METADATA)?.value,
    );
    for (const n of g.node ?? []) {
      for (const out of n.output) this.producers.set(out, n);
      for (const input of n.input)
        if (input) this.readers.set(input, [...(this.readers.get(input) ?? []), n]);
      if (n.opType === 'Constant' && !n.domain) for (const out of n.output) this.constants.set(out, n);
      // an Identity of a fixed value is a node of its own (Shapeflow's Tensor), not folded into its readers
      const computedFromFixed =
        n.opType !== 'Identity' && n.input.filter(Boolean).every((i) => this.fixed.has(i));
      if (n.opType === 'Constant' || (n.input.some(Boolean) && computedFromFixed))
        for (const out of n.output) this.fixed.add(out);
    }
  }

  private context(node: NodeProto): ImportContext {
    return {
      node,
      attr: (name, of = node) => {
        const a = of.attribute?.find((x) => x.name === name);
        return a && attributeValue(a, `attribute ${name} of ${of.name ?? of.opType}`);
      },
      initializer: (value) => {
        const t = this.initializers.get(value);
        return t ? constTensor(t, `initializer ${value}`) : null;
      },
      constant: (value) => {
        const t = this.initializers.get(value);
        if (t) return constTensor(t, `initializer ${value}`);
        const c = this.constants.get(value);
        return c ? constantValue(c) : null;
      },
      producer: (value) => this.producers.get(value),
      consumers: (value) => this.readers.get(value) ?? [],
      dimsOf: (value) => this.dims.get(value) ?? null,
      functionInputs: (n) => this.functions.get(`${n.domain}\u0000${n.opType}`)?.input ?? null,
    };
  }

  run(): OnnxImport {
    const g = this.model.graph;
    const unsupported = new Map<string, number>();
    const available = new Set<string>();
    const reasons = new Map<string, Set<string>>();
    const refuse = (n: NodeProto, why: string | null) => {
      // what it would have computed counts as there, so the nodes after it are not reported too
      for (const out of n.output) available.add(out);
      const label = opLabel(n);
      unsupported.set(label, (unsupported.get(label) ?? 0) + 1);
      if (why) reasons.set(label, (reasons.get(label) ?? new Set()).add(why));
    };

    const graphInputs = (g.input ?? []).filter((v) => !this.initializers.has(v.name));
    for (const v of graphInputs) available.add(v.name);
    const matches: { node: NodeProto; match: ImportMatch }[] = [];
    const consumed = new Set<NodeProto>();
    for (const node of g.node ?? []) {
      if (consumed.has(node) || node.output.every((o) => this.fixed.has(o))) continue;
      const id = /^node:[^/]+/.exec(node.name ?? '')?.[0];
      const match = importNode(this.context(node), this.catalog, id && this.recordedTypes[id]);
      if (!match || typeof match === 'string') {
        refuse(node, match);
        continue;
      }
      const dangling = match.inputs.find((v) => v && !available.has(v));
      if (dangling) {
        refuse(
          node,
          `its input '${dangling}' is ${this.fixed.has(dangling) ? 'a constant' : 'not computed by any node Shapeflow reads'}`,
        );
        continue;
      }
      for (const n of match.consumed ?? []) consumed.add(n);
      for (const out of match.outputs) if (out) available.add(out);
      matches.push({ node, match });
    }
    // a graph output nothing read computes (a constant folded away) would be lost without a word
    for (const output of g.output ?? []) {
      const producer = this.producers.get(output.name);
      if (!available.has(output.name) && producer)
        refuse(producer, `it computes the graph output '${output.name}' from constants only`);
    }
    if (unsupported.size) {
      const list = [...unsupported]
        .map(([op, count]) => {
          const why = reasons.get(op);
          return `${op} ×${count}${why ? ` (${[...why].join('; ')})` : ''}`;
        })
        .join(', ');
      throw new OnnxImportError(
        'unsupported_ops',
        `cannot import: no Shapeflow node for ${list}`,
        unsupported,
      );
    }
    return this.build(
      graphInputs.map((v) => v.name),
      matches,
    );
  }

  private build(inputs: string[], matches: { node: NodeProto; match: ImportMatch }[]): OnnxImport {
    const b = new GraphBuilder(this.catalog);
    const sources = new Map<string, { handle: NodeHandle; port: string }>();
    for (const name of inputs) {
      const dims = this.dims.get(name);
      const input = (this.model.graph.input ?? []).find((v) => v.name === name);
      const elem = input?.type?.tensorType?.elemType;
      if (!dims) throw new OnnxImportError('shapes', `graph input '${name}' has no fully declared shape`);
      if (elem !== DataType.FLOAT && elem !== DataType.INT32 && elem !== DataType.INT64)
        throw new OnnxImportError(
          'dtype',
          `graph input '${name}' has data type ${elem}; Shapeflow reads float and integer inputs`,
        );
      const handle = b.node(
        'Input',
        { shape: dims, dtype: elem === DataType.FLOAT ? 'float32' : 'int32' },
        { stem: stemFromName(name) ?? 'input', label: input?.docString },
      );
      sources.set(name, { handle, port: 'output' });
    }
    const weights = new Map<string, Tensor>();
    const subgraphs = new Map<string, Subgraph>();
    for (const { node, match } of matches) {
      const def = this.catalog.get(match.type);
      const ports = match.composite ?? {
        inputs: def?.inputs.filter((p) => p.kind === 'tensor').map((p) => p.name),
        outputs: def?.outputs.map((p) => p.name),
      };
      if (!ports.inputs || !ports.outputs)
        throw new OnnxImportError('catalog', `the catalog has no node type ${match.type}`);
      const handle = b.node(match.type, match.params, {
        stem: stemFromName(node.name ?? '') ?? match.type,
        label: node.docString,
      });
      if (match.composite) subgraphs.set(handle.id, match.composite.subgraph);
      match.inputs.forEach((value, k) => {
        const from = value ? sources.get(value) : undefined;
        if (from) b.wire(from.handle.out(from.port), handle, (ports.inputs as string[])[k]);
      });
      ports.outputs.forEach((port, k) => {
        if (match.outputs[k]) sources.set(match.outputs[k], { handle, port });
      });
      for (const [name, t] of Object.entries(match.weights ?? {}))
        weights.set(`${handle.id}/${name}`, tensor(t.data, t.dims, 'float32'));
    }
    const built = b.document({ title: '', description: '', teaches: '', tags: [] });
    const nodes = built.nodes.map((n) => (subgraphs.has(n.id) ? { ...n, subgraph: subgraphs.get(n.id) } : n));
    const doc: GraphDocument = { ...built, nodes, meta: this.meta() };
    this.check(doc, weights);
    return { doc, weights };
  }

  private meta(): DocumentMeta {
    const meta: DocumentMeta = { title: this.model.graph.name || 'Imported ONNX model' };
    if (this.model.docString) meta.description = this.model.docString;
    // sizes are a convenience for live mode: a file without readable ones still imports
    const symbols = parseJsonObject<number>(
      this.model.metadataProps?.find((p) => p.key === SYMBOLS_METADATA)?.value,
    );
    if (Object.keys(symbols).length) meta.symbols = symbols;
    return meta;
  }

  /** Shapes infer with no error, and the document compiles to parameters that are exactly the weights read. */
  private check(doc: GraphDocument, weights: Map<string, Tensor>): void {
    const inference = inferShapes(doc, this.catalog);
    const errors = inference.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length)
      throw new OnnxImportError(
        'shapes',
        `the imported graph has shape errors: ${errors.map((d) => `${d.nodeId}: ${d.message}`).join('; ')}`,
      );
    const compiled = compileGraph(doc, { catalog: this.catalog, symbols: { ...doc.meta.symbols, N: 1 } });
    if (!compiled.ok)
      throw new OnnxImportError(
        'compile',
        `the imported graph does not compile: ${compiled.errors[0].message}`,
      );
    const params = new Map(compiled.plan.params.map((p) => [p.key, p]));
    for (const [key, t] of weights) {
      const p = params.get(key);
      if (!p)
        throw new OnnxImportError('weights', `weight '${key}' belongs to no parameter of the imported graph`);
      if (p.shape.join() !== t.shape.join())
        throw new OnnxImportError(
          'weights',
          `weight '${key}' has shape [${t.shape}], its parameter [${p.shape}]`,
        );
    }
    const missing = [...params.keys()].filter((k) => !weights.has(k));
    if (missing.length)
      throw new OnnxImportError('weights', `the file holds no values for ${missing.join(', ')}`);
  }
}

/** Metadata written as a JSON object, or {} when absent or unreadable. */
function parseJsonObject<V>(text: string | undefined): Record<string, V> {
  try {
    const parsed = text ? JSON.parse(text) : {};
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** Exported node names are graph node ids (`node:fc1`, `node:fc1/MatMul`): keep the id's stem. */
function stemFromName(name: string): string | null {
  const m = /^node:([^/]+)/.exec(name);
  return m ? m[1] : null;
}
