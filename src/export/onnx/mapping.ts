/**
 * The shape of one entry of the ONNX mapping table: how a node type is written as ONNX ops,
 * and how those ops are read back as that node type. The table itself is `table.ts`.
 */
import type { Subgraph } from '../../graph/document.ts';
import type { Dim, ParamValue, TensorType } from '../../nodes/types.ts';
import type { FunctionTable, OnnxGraphWriter } from './builder.ts';
import type { NodeProto } from './proto.ts';

export type Params = Record<string, ParamValue>;

/** Why a document cannot be written as ONNX, or an ONNX file cannot be read as a document. */
export class OnnxError extends Error {
  constructor(
    /** a stable code: `unsupported_types`, `unsupported_ops`, `params`, `weights`, `compile`, ... */
    readonly code: string,
    message: string,
    /** node types (export) or ONNX ops (import) that have no mapping, with how many there are */
    readonly unsupported: ReadonlyMap<string, number> = new Map(),
  ) {
    super(message);
    this.name = 'OnnxError';
  }
}

export class OnnxExportError extends OnnxError {
  override name = 'OnnxExportError';
}

export class OnnxImportError extends OnnxError {
  override name = 'OnnxImportError';
}

/** What a node's export rule gets: where to write, and the node's inputs, params and weights. */
export interface ExportContext {
  graph: OnnxGraphWriter;
  functions: FunctionTable;
  /** the graph node id: the ONNX node's name (or the prefix of its ops' names) */
  id: string;
  label?: string;
  params: Params;
  /** ONNX value names per tensor input port, in port order (null: not connected) */
  inputs: (string | null)[];
  inputTypes: (TensorType | null)[];
  /** per tensor output port */
  outputTypes: TensorType[];
  /** the initializer holding the node's parameter `name` (null: the node has no such parameter) */
  weight(name: string): string | null;
  /** the initializer of the plan parameter `<id>/<relativeKey>` (a block's inner weights), or null */
  paramInitializer(relativeKey: string): string | null;
  /** a typed error about this node's params */
  refuse(message: string): OnnxExportError;
}

/** A rule writes the node's ops and returns the ONNX value of each tensor output port. */
export type ExportRule = (ctx: ExportContext) => string[];

/** A float32 tensor read from an initializer or a Constant node. */
export interface ConstTensor {
  dims: number[];
  data: Float32Array;
}

/** What an import rule can ask about the ONNX graph around the node it looks at. */
export interface ImportContext {
  node: NodeProto;
  /** an attribute's value (of `node`, default the matched one): number, number[], string or ConstTensor */
  attr(name: string, node?: NodeProto): number | number[] | string | ConstTensor | undefined;
  /** a weight: the initializer named `value` (not a Constant node), or null */
  initializer(value: string): ConstTensor | null;
  /** a fixed value: an initializer, a Constant node's tensor, or null when it is computed */
  constant(value: string): ConstTensor | null;
  /** the node producing `value` (undefined for graph inputs and initializers) */
  producer(value: string): NodeProto | undefined;
  /** the nodes reading `value` */
  consumers(value: string): NodeProto[];
  /** the dims ONNX declares for `value` (graph input, output or value_info), or null */
  dimsOf(value: string): Dim[] | null;
  /** the model-local function a custom-domain node calls, if any */
  functionInputs(node: NodeProto): string[] | null;
}

/** A matched ONNX node (or group of nodes) as one Shapeflow node. */
export interface ImportMatch {
  type: string;
  params: Params;
  /** ONNX value per tensor input port of the type, in port order (null: unconnected) */
  inputs: (string | null)[];
  /** ONNX value per output port, in port order ('' for an output ONNX does not use) */
  outputs: string[];
  /** parameter name (the plan's: `weight`, `running_mean`, `out_proj.weight`) → values */
  weights?: Record<string, ConstTensor>;
  /** further ONNX nodes folded into this one (a Linear's bias Add, its weight's Transpose) */
  consumed?: NodeProto[];
  /** a document Composite node: its subgraph, and its ports (the catalog has no declaration of them) */
  composite?: { subgraph: Subgraph; inputs: string[]; outputs: string[] };
}

/** null: the rule does not apply (another may); a string: it applies but cannot, and why. */
export type ImportRule = (ctx: ImportContext) => ImportMatch | string | null;

export interface OnnxMapping {
  /** the ONNX ops a node of this type becomes; an `ai.shapeflow` function is named by the type */
  ops: readonly string[];
  export: ExportRule;
  /** reads one of `ops` back (the first op listed for a decomposition) */
  import?: ImportRule;
}
