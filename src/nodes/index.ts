/** The node catalog's public face: the declaration API, the shape helpers and the catalog. */
export {
  type AnyNodeDef,
  defaultsOf,
  defineNode,
  type InferContext,
  type InferResult,
  type LowerShapes,
  type NodeDef,
  type OpBuilder,
  type ParamInit,
  shapeError,
  sizeOrZero,
  tensorPort,
} from './define.ts';
export {
  type ParamSchema,
  type ParamSpec,
  type ParamsOf,
  defaultParams,
  describeValue,
  isSymbol,
  p,
  tuple,
} from './params.ts';
export {
  broadcastDims,
  broadcastTrap,
  explainBroadcast,
  formatDims,
  isNumeric,
  matmulDims,
  normalizeDimIndex,
  productOf,
  type Unifier,
} from './shapes.ts';
export type {
  BroadcastExplanation,
  DType,
  Dim,
  Explanation,
  FixIntent,
  FixSuggestion,
  ParamValue,
  PortDef,
  PortKind,
  ShapeIssue,
  TensorType,
} from './types.ts';
export { type Catalog, catalog, createCatalog, nodeDefs } from './catalog.ts';
