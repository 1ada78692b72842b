/**
 * Graph document → ONNX model (opset 17, IR version 8). The model is what feeds the losses (or,
 * with no loss, the graph's end nodes), as in the PyTorch export; sources become graph inputs
 * with their symbolic dims (`N` stays `dim_param: "N"`), every node is written by its entry of
 * the mapping table under its node id, and every parameter is a float32 initializer named like
 * PyTorch's state_dict (`fc1.weight`). Weights come from the caller (a training run) or, when
 * none are given, are drawn from the seed exactly as training starts.
 */
import { initialValues } from '../../engine/compile/params.ts';
import type { PlanParam } from '../../engine/compile/plan.ts';
import type { Tensor } from '../../engine/tensor.ts';
import {
  COMPOSITE_TYPE,
  DocumentIndex,
  type GraphDocument,
  type GraphNode,
  type NodeId,
  portsOf,
} from '../../graph/document.ts';
import { inferShapes } from '../../graph/infer.ts';
import type { Catalog } from '../../nodes/catalog.ts';
import { defaultsOf } from '../../nodes/define.ts';
import type { Dim, TensorType } from '../../nodes/types.ts';
import { compileGraph, optimizerNameOf, schedulerNameOf } from '../../training/compile.ts';
import { decodeSafetensors } from '../safetensors.ts';
import {
  FunctionTable,
  IR_VERSION,
  OnnxGraphWriter,
  NODE_TYPES_METADATA,
  OPSET,
  SHAPEFLOW_DOMAIN,
  SYMBOLS_METADATA,
} from './builder.ts';
import { catalogBlockMapping, compositeMapping } from './composites.ts';
import { type ExportContext, OnnxExportError, type OnnxMapping, type Params } from './mapping.ts';
import { DataType, encodeModel, type ModelProto, type ValueInfoProto } from './proto.ts';
import { ONNX_MAPPINGS } from './table.ts';

export interface OnnxExportOptions {
  /**
   * The weights to write: tensors by parameter key (`node:fc1/weight`), or a safetensors file
   * whose tensors are named by key or by the model's initializer names (`fc1.weight`).
   * Left out: Shapeflow's initial weights for `seed`.
   */
  weights?: ReadonlyMap<string, Tensor> | Uint8Array;
  /** the seed initial weights are drawn with (default 0) */
  seed?: number;
}

/** A graph input or output of the exported model and the graph port it stands for. */
export interface OnnxPort {
  name: string;
  node: NodeId;
  port: string;
  dims: Dim[];
  dtype: TensorType['dtype'];
}

export interface OnnxModelExport {
  bytes: Uint8Array;
  model: ModelProto;
  inputs: OnnxPort[];
  outputs: OnnxPort[];
  /** initializer name → the parameter key it holds */
  initializers: Map<string, string>;
}

/** Groups whose nodes are training machinery, never part of the model. */
const MACHINERY_GROUPS = new Set(['losses', 'evaluators', 'optimizers', 'schedulers']);

/** Export a document as ONNX bytes, or the reason it cannot be. */
export function exportOnnx(
  doc: GraphDocument,
  catalog: Catalog,
  options: OnnxExportOptions = {},
): Uint8Array | OnnxExportError {
  const result = buildOnnxModel(doc, catalog, options);
  return result instanceof OnnxExportError ? result : result.bytes;
}

/** Export a document as an ONNX model, with which graph ports its inputs and outputs are. */
export function buildOnnxModel(
  doc: GraphDocument,
  catalog: Catalog,
  options: OnnxExportOptions = {},
): OnnxModelExport | OnnxExportError {
  try {
    return new OnnxExporter(withDefaults(doc, catalog), catalog).run(options);
  } catch (e) {
    if (e instanceof OnnxExportError) return e;
    throw e;
  }
}

/** Documents from the store carry every param; hand-built ones may leave PyTorch's defaults out. */
function withDefaults(doc: GraphDocument, catalog: Catalog): GraphDocument {
  const nodes = doc.nodes.map((n) => {
    const def = catalog.get(n.type);
    return def ? { ...n, params: { ...defaultsOf(def), ...n.params } as GraphNode['params'] } : n;
  });
  return { ...doc, nodes };
}

const dtypeCode = (dtype: string) => (dtype === 'int32' ? DataType.INT32 : DataType.FLOAT);

function valueInfo(name: string, type: TensorType, doc?: string): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: dtypeCode(type.dtype),
        shape: { dim: type.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
    ...(doc ? { docString: doc } : {}),
  };
}

/** A label as an initializer stem in PyTorch's style: `conv 1` → `conv_1`; dots (`layer1.0`) stay. */
const stemOf = (node: GraphNode) =>
  (node.label ?? node.id.replace(/^node:/, ''))
    .replace(/[^A-Za-z0-9_.]+/g, '_')
    .replace(/^[_.]+|[_.]+$/g, '') || 'layer';

class OnnxExporter {
  private readonly index: DocumentIndex;
  private readonly graph = new OnnxGraphWriter();
  private readonly functions = new FunctionTable();

  constructor(
    private readonly doc: GraphDocument,
    private readonly catalog: Catalog,
  ) {
    this.index = new DocumentIndex(doc);
  }

  private group = (n: GraphNode) => this.catalog.get(n.type)?.group;
  private isSource = (n: GraphNode) => this.group(n) === 'sources';
  private isMachinery = (n: GraphNode) =>
    MACHINERY_GROUPS.has(this.group(n) ?? '') ||
    !!optimizerNameOf(n.type, this.group(n), n.params) ||
    !!schedulerNameOf(n.type, this.group(n), n.params);

  run(options: OnnxExportOptions): OnnxModelExport {
    // a type the catalog does not know has no ports to trace a model through: it is listed first
    this.refuseUnsupported(
      this.doc.nodes.filter((n) => n.type !== COMPOSITE_TYPE && !this.catalog.get(n.type)),
    );
    const outputs = this.modelOutputs();
    if (!outputs.length) throw new OnnxExportError('empty', 'the graph has no layers to export');
    const inModel = this.ancestors(outputs.map((o) => o.node));
    this.refuseUnsupported(this.doc.nodes.filter((n) => inModel.has(n.id)));

    const inference = inferShapes(this.doc, this.catalog);
    for (const id of inModel) {
      const info = inference.nodes.get(id);
      if (info?.status === 'ok' || info?.status === 'warning') continue;
      const node = this.index.nodes.get(id) as GraphNode;
      const why = info?.diagnostics[0]?.message ?? `its shapes are ${info?.status ?? 'unknown'}`;
      throw new OnnxExportError('shapes', `${node.type} (${id}) cannot be exported: ${why}`);
    }
    const params = this.planParams();
    const weights = new WeightSource(options);
    const initializers = new Map<string, string>();
    const stems = new Set<string>();

    const values = new Map<string, string>();
    const key = (node: string, port: string) => `${node}\u0000${port}`;
    const inputs: OnnxPort[] = [];
    const valueInfos: ValueInfoProto[] = [];
    const nodeTypes = new Map<string, string>();
    for (const id of inference.order) {
      if (!inModel.has(id)) continue;
      const node = this.index.nodes.get(id) as GraphNode;
      const info = inference.nodes.get(id)!;
      const ports = portsOf(node, this.catalog)!;
      if (this.isSource(node)) {
        for (const port of ports.outputs) {
          const type = info.outputs[port.name];
          const used = (this.index.outgoing.get(id) ?? []).some(
            (e) => e.from.port === port.name && inModel.has(e.to.node),
          );
          if (!type || !used) continue;
          const name = this.graph.reserve(ports.outputs.length === 1 ? id : `${id}:${port.name}`);
          values.set(key(id, port.name), name);
          inputs.push({
            name,
            node: id,
            port: port.name,
            dims: this.declaredDims(node, type),
            dtype: type.dtype,
          });
        }
        continue;
      }
      let stem = stemOf(node);
      for (let k = 2; stems.has(stem); k++) stem = `${stemOf(node)}_${k}`;
      stems.add(stem);
      const tensorIns = ports.inputs.filter((p) => p.kind === 'tensor');
      const tensorOuts = ports.outputs.filter((p) => p.kind === 'tensor');
      const def = this.catalog.get(node.type);
      const ctx: ExportContext = {
        graph: this.graph,
        functions: this.functions,
        id,
        label: node.label,
        params: { ...(def ? defaultsOf(def) : {}), ...node.params } as Params,
        inputs: tensorIns.map((p) => {
          const edge = this.index.edgeInto(id, p.name);
          return edge ? (values.get(key(edge.from.node, edge.from.port)) ?? null) : null;
        }),
        inputTypes: tensorIns.map((p) => info.inputs[p.name] ?? null),
        outputTypes: tensorOuts.map((p) => info.outputs[p.name] as TensorType),
        weight: (name) => ctx.paramInitializer(name),
        paramInitializer: (relative) => {
          const param = params.find((p) => p.key === `${id}/${relative}`);
          if (!param) return null;
          // a block's inner keys (`node:fc/weight`) read as dotted names (`fc.weight`)
          const initializer = `${stem}.${relative.replace(/node:/g, '').replace(/\//g, '.')}`;
          if (initializers.has(initializer)) return initializer;
          initializers.set(initializer, param.key);
          return this.graph.weight(initializer, param.shape, weights.values(param, initializer));
        },
        refuse: (message) => new OnnxExportError('params', `${node.type} (${id}): ${message}`),
      };
      const firstNode = this.graph.nodes.length;
      nodeTypes.set(id, node.type);
      const produced = (this.mappingFor(node) as OnnxMapping).export(ctx);
      // the label travels as the nodes' doc string, so import gives it back
      if (node.label) for (const n of this.graph.nodes.slice(firstNode)) n.docString = node.label;
      tensorOuts.forEach((port, k) => {
        if (!produced[k]) return;
        values.set(key(id, port.name), produced[k]);
        const type = info.outputs[port.name];
        if (type) valueInfos.push(valueInfo(produced[k], type));
      });
    }

    const outputPorts: OnnxPort[] = outputs.map((o) => {
      const type = inference.nodes.get(o.node)?.outputs[o.port] as TensorType;
      return { name: values.get(key(o.node, o.port)) as string, ...o, dims: type.dims, dtype: type.dtype };
    });
    const outputNames = new Set(outputPorts.map((o) => o.name));
    const model: ModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [
        { domain: '', version: OPSET },
        ...(this.functions.functions.length ? [{ domain: SHAPEFLOW_DOMAIN, version: 1 }] : []),
      ],
      producerName: 'shapeflow',
      producerVersion: '1',
      docString: this.doc.meta?.description ?? '',
      graph: {
        name: this.doc.meta?.title ?? 'shapeflow',
        node: this.graph.nodes,
        initializer: this.graph.initializers,
        input: inputs.map((i) =>
          valueInfo(i.name, { dtype: i.dtype, dims: i.dims }, this.index.nodes.get(i.node)?.label),
        ),
        output: outputPorts.map((o) => valueInfo(o.name, { dtype: o.dtype, dims: o.dims })),
        valueInfo: valueInfos.filter((v) => !outputNames.has(v.name)),
      },
      functions: this.functions.functions,
      metadataProps: [
        ...(this.doc.meta?.symbols
          ? [{ key: SYMBOLS_METADATA, value: JSON.stringify(this.doc.meta.symbols) }]
          : []),
        { key: NODE_TYPES_METADATA, value: JSON.stringify(Object.fromEntries(nodeTypes)) },
      ],
    };
    return { bytes: encodeModel(model), model, inputs, outputs: outputPorts, initializers };
  }

  /** The table's entry for a node, or the function a block (catalog block type, Composite) becomes. */
  private mappingFor(node: GraphNode): OnnxMapping | null {
    if (ONNX_MAPPINGS[node.type]) return ONNX_MAPPINGS[node.type];
    if (node.type === COMPOSITE_TYPE)
      return node.subgraph ? compositeMapping(node, this.catalog, ONNX_MAPPINGS) : null;
    return catalogBlockMapping(node.type, this.catalog, ONNX_MAPPINGS);
  }

  /** An Input's own shape keeps its symbols (`['N', 'T', 32]`); other sources give their inferred type. */
  private declaredDims(node: GraphNode, type: TensorType): Dim[] {
    const declared = node.type === 'Input' ? node.params.shape : null;
    return Array.isArray(declared) && declared.length === type.dims.length ? (declared as Dim[]) : type.dims;
  }

  /** What the losses take as their prediction or, with no loss, the end nodes' first tensor outputs. */
  private modelOutputs(): { node: NodeId; port: string }[] {
    const outputs: { node: NodeId; port: string }[] = [];
    const add = (node: NodeId, port: string) => {
      if (!outputs.some((o) => o.node === node && o.port === port)) outputs.push({ node, port });
    };
    for (const node of this.doc.nodes) {
      if (this.group(node) !== 'losses') continue;
      const first = portsOf(node, this.catalog)?.inputs.find((p) => p.kind === 'tensor');
      const edge = first && this.index.edgeInto(node.id, first.name);
      if (edge) add(edge.from.node, edge.from.port);
    }
    if (outputs.length) return outputs;
    for (const node of this.doc.nodes) {
      if (this.isMachinery(node) || this.isSource(node)) continue;
      const feedsModel = (this.index.outgoing.get(node.id) ?? []).some(
        (e) => !this.isMachinery(this.index.nodes.get(e.to.node) as GraphNode),
      );
      const port = portsOf(node, this.catalog)?.outputs.find((p) => p.kind === 'tensor');
      if (!feedsModel && port) add(node.id, port.name);
    }
    return outputs;
  }

  private ancestors(roots: NodeId[]): Set<NodeId> {
    const seen = new Set<NodeId>();
    const stack = [...roots];
    while (stack.length) {
      const id = stack.pop() as NodeId;
      if (seen.has(id)) continue;
      seen.add(id);
      const node = this.index.nodes.get(id) as GraphNode;
      if (!this.isSource(node)) for (const e of this.index.incoming.get(id) ?? []) stack.push(e.from.node);
    }
    return seen;
  }

  private refuseUnsupported(nodes: GraphNode[]): void {
    const unsupported = new Map<string, number>();
    for (const node of nodes) {
      if (this.isSource(node) || this.mappingFor(node)) continue;
      unsupported.set(node.type, (unsupported.get(node.type) ?? 0) + 1);
    }
    if (!unsupported.size) return;
    const list = [...unsupported].map(([type, count]) => `${type} ×${count}`).join(', ');
    throw new OnnxExportError(
      'unsupported_types',
      `cannot export to ONNX: no mapping for ${list}`,
      unsupported,
    );
  }

  /** The parameters every node owns, from compiling the document (N = 1: their shapes do not depend on it). */
  private planParams(): PlanParam[] {
    const compiled = compileGraph(this.doc, {
      catalog: this.catalog,
      symbols: { ...this.doc.meta?.symbols, N: 1 },
    });
    if (!compiled.ok)
      throw new OnnxExportError('compile', `the graph does not compile: ${compiled.errors[0].message}`);
    return compiled.plan.params;
  }
}

interface NamedValues {
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** A tensor name's words, lower case: Python identifiers (`_1_0_conv1`, `x_`) and labels meet there. */
const canonical = (name: string) =>
  name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .join('_');

/** Where each parameter's values come from: given tensors, a safetensors file, or the seed. */
class WeightSource {
  private readonly byName = new Map<string, NamedValues>();
  private readonly seed: number;
  private readonly given: boolean;

  constructor(options: OnnxExportOptions) {
    this.seed = options.seed ?? 0;
    const w = options.weights;
    this.given = w !== undefined;
    if (w instanceof Uint8Array) {
      let tensors: ReturnType<typeof decodeSafetensors>['tensors'];
      try {
        ({ tensors } = decodeSafetensors(w));
      } catch (e) {
        throw new OnnxExportError(
          'weights',
          `the weights file is not a readable safetensors file: ${(e as Error).message}`,
        );
      }
      for (const t of tensors) this.byName.set(t.name, t);
    } else if (w) {
      for (const [name, t] of w)
        this.byName.set(name, { shape: t.shape, data: t.dataSync() as ArrayLike<number> });
    }
  }

  private canonicalIndex: Map<string, NamedValues> | null = null;

  /** Names by their words only, so model.py's `_1_0_conv1.weight` finds `1.0.conv1.weight`; ambiguous ones left out. */
  private byCanonical(): Map<string, NamedValues> {
    if (this.canonicalIndex) return this.canonicalIndex;
    const index = new Map<string, NamedValues | null>();
    for (const [name, t] of this.byName) {
      const key = canonical(name);
      index.set(key, index.has(key) ? null : t);
    }
    this.canonicalIndex = new Map([...index].filter((e): e is [string, NamedValues] => e[1] !== null));
    return this.canonicalIndex;
  }

  values(param: PlanParam, initializer: string): ArrayLike<number> {
    if (!this.given) return initialValues(param, this.seed);
    const t =
      this.byName.get(param.key) ??
      this.byName.get(initializer) ??
      this.byCanonical().get(canonical(initializer));
    if (!t)
      throw new OnnxExportError(
        'weights',
        `the weights given have no tensor '${param.key}' (or '${initializer}')`,
      );
    const count = param.shape.reduce((n, d) => n * d, 1);
    if (t.data.length !== count)
      throw new OnnxExportError(
        'weights',
        `weight '${initializer}' should have shape [${param.shape.join(', ')}] (${count} values), got [${t.shape.join(', ')}] (${t.data.length})`,
      );
    return t.data;
  }
}
