/**
 * Writing an ONNX graph: nodes with typed attributes, weights as float32 initializers, small
 * constants as `Constant` nodes (so they also work inside a function body, where ONNX allows no
 * initializers), and model-local functions (FunctionProto) deduplicated by their body.
 */
import {
  type AttributeProto,
  AttributeType,
  DataType,
  type FunctionProto,
  type NodeProto,
  type TensorProto,
} from './proto.ts';

/** The opset every exported model imports. */
export const OPSET = 17;
export const IR_VERSION = 8;
/** Domain of the model-local functions that stand for Shapeflow node types with no single ONNX op. */
export const SHAPEFLOW_DOMAIN = 'ai.shapeflow';
/** Model metadata holding the document's symbol sizes (`{"N": 2, "T": 10}`), so they survive the trip. */
export const SYMBOLS_METADATA = 'shapeflow.symbols';
/**
 * Model metadata naming each node's Shapeflow type by node id, for the ops two node types share
 * (a Transpose that swaps two dims is Transpose or Permute): import tries that type's rule first.
 */
export const NODE_TYPES_METADATA = 'shapeflow.node_types';

/** An attribute value with its ONNX type made explicit (a JS number alone is ambiguous). */
export type AttrValue =
  | { int: number }
  | { float: number }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { string: string }
  | { strings: readonly string[] }
  | { tensor: TensorProto };

export const int = (value: number): AttrValue => ({ int: value });
export const float = (value: number): AttrValue => ({ float: value });
export const ints = (value: readonly number[]): AttrValue => ({ ints: value });

function attribute(name: string, value: AttrValue): AttributeProto {
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  if ('string' in value)
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.string) };
  if ('strings' in value)
    return {
      name,
      type: AttributeType.STRINGS,
      strings: value.strings.map((v) => new TextEncoder().encode(v)),
    };
  return { name, type: AttributeType.TENSOR, t: value.tensor };
}

/** A float32 tensor with its values as little-endian raw bytes (how exporters store weights). */
export function floatTensor(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  const values = Float32Array.from(data);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: bytes };
}

export function int64Tensor(name: string, dims: readonly number[], data: readonly number[]): TensorProto {
  return { name, dims: [...dims], dataType: DataType.INT64, int64Data: [...data] };
}

export interface NodeOptions {
  /** the node's name (unique in the graph); defaults to the first output */
  name?: string;
  /** how many outputs, or their names; default one */
  outputs?: number | string[];
  domain?: string;
}

/** A graph (or function body) under construction. */
export class OnnxGraphWriter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();

  /** @param inFunction a function body: constants become Constant nodes and initializers are refused */
  constructor(private readonly inFunction = false) {}

  /** A value or node name not used before, from a readable stem. */
  fresh(stem: string): string {
    let name = stem;
    for (let k = 2; this.names.has(name); k++) name = `${stem}_${k}`;
    this.names.add(name);
    return name;
  }

  private freshNodeName(stem: string): string {
    let name = stem;
    for (let k = 2; this.nodeNames.has(name); k++) name = `${stem}_${k}`;
    this.nodeNames.add(name);
    return name;
  }

  /** Mark a name as taken (graph inputs, function parameters). */
  reserve(name: string): string {
    this.names.add(name);
    return name;
  }

  node(
    opType: string,
    inputs: readonly (string | null)[],
    attrs: Record<string, AttrValue | undefined> = {},
    options: NodeOptions = {},
  ): string[] {
    const stem = options.name ?? opType;
    const outputs = Array.isArray(options.outputs)
      ? options.outputs.map((o) => this.reserve(o))
      : Array.from({ length: options.outputs ?? 1 }, (_, k) => this.fresh(k ? `${stem}:${k}` : stem));
    // an absent optional input in the middle is written as the empty name, as ONNX specifies
    const written = inputs.map((i) => i ?? '');
    while (written.length && written[written.length - 1] === '') written.pop();
    this.nodes.push({
      input: written,
      output: outputs,
      name: this.freshNodeName(stem),
      opType,
      ...(options.domain ? { domain: options.domain } : {}),
      attribute: Object.entries(attrs)
        .filter((e): e is [string, AttrValue] => e[1] !== undefined)
        .map(([name, value]) => attribute(name, value)),
    });
    return outputs;
  }

  /** One-output shorthand. */
  op(
    opType: string,
    inputs: readonly (string | null)[],
    attrs: Record<string, AttrValue | undefined> = {},
    name?: string,
  ): string {
    return this.node(opType, inputs, attrs, { name })[0];
  }

  /** A weight: a float32 initializer under its own name. */
  weight(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    if (this.inFunction) throw new Error(`a function body cannot hold the weight '${name}'`);
    this.initializers.push(floatTensor(this.reserve(name), dims, data));
    return name;
  }

  /** A fixed tensor that is not a weight (a reshape target, a scale): a Constant node. */
  constant(stem: string, tensor: TensorProto): string {
    return this.node('Constant', [], { value: { tensor } }, { name: stem })[0];
  }

  constantFloats(stem: string, dims: readonly number[], values: readonly number[]): string {
    return this.constant(stem, floatTensor('', dims, values));
  }

  constantInts(stem: string, values: readonly number[]): string {
    return this.constant(stem, int64Tensor('', [values.length], values));
  }

  constantScalar(stem: string, value: number): string {
    return this.constant(stem, floatTensor('', [], [value]));
  }
}

/** Model-local functions, one per distinct body: two equal layers share one. */
export class FunctionTable {
  readonly functions: FunctionProto[] = [];
  private readonly byBody = new Map<string, string>();

  /**
   * Register a function for a node type and return its name: the type itself for the first body,
   * `<type>_2`, `<type>_3`... for bodies that differ (other params).
   */
  define(type: string, body: Omit<FunctionProto, 'name' | 'domain' | 'opsetImport'>): string {
    const key = `${type}\u0000${JSON.stringify(body, (_k, v) => (v instanceof Uint8Array ? [...v] : v))}`;
    const known = this.byBody.get(key);
    if (known) return known;
    let name = type;
    for (let k = 2; this.functions.some((f) => f.name === name); k++) name = `${type}_${k}`;
    // a block's body may call other Shapeflow functions (an attention inside an encoder)
    const callsFunctions = body.node.some((n) => n.domain === SHAPEFLOW_DOMAIN);
    const opsetImport = [
      { domain: '', version: OPSET },
      ...(callsFunctions ? [{ domain: SHAPEFLOW_DOMAIN, version: 1 }] : []),
    ];
    this.functions.push({ name, domain: SHAPEFLOW_DOMAIN, opsetImport, ...body });
    this.byBody.set(key, name);
    return name;
  }
}
