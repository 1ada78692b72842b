/**
 * The graph layer's public face: documents, edits with undo, loading untrusted JSON, shape
 * inference with diagnostics and fixes, and the RxJS store. Knows nothing of the UI.
 */
export {
  COMPOSITE_TYPE,
  DOCUMENT_FORMAT,
  DOCUMENT_VERSION,
  type DocumentMeta,
  DocumentIndex,
  type EdgeId,
  emptyDocument,
  type ExposedPort,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  isEdgeId,
  isNodeId,
  newEdgeId,
  newNodeId,
  type NodeId,
  type PortRef,
  type Position,
  portsOf,
  type Subgraph,
  topologicalOrder,
} from './document.ts';
export {
  applyEdits,
  applyOps,
  type ChangeSet,
  changesOf,
  checkNode,
  createNode,
  type Edit,
  EditError,
  type EditErrorCode,
  invertOps,
  type RecordOp,
} from './edits.ts';
export { History, type HistoryEntry } from './history.ts';
export { type Diagnostic, editsForIntent, type Fix, type Severity, toDiagnostic } from './diagnostics.ts';
export {
  type GraphInference,
  inferShapes,
  type NodeInference,
  type NodeStatus,
  sameInference,
  ShapeInference,
  type SweepResult,
} from './infer.ts';
export {
  LOAD_LIMITS,
  type LoadError,
  type LoadErrorCode,
  type LoadResult,
  loadDocument,
  parseDocument,
  saveDocument,
} from './schema.ts';
export {
  type ApplyOptions,
  GraphStore,
  type HistoryState,
  type Transaction,
  type TransactionOrigin,
} from './store.ts';
export { SymbolTable } from './symbols.ts';
export {
  evaluateDim,
  LiveBackward,
  type LiveGrad,
  type LiveOptions,
  type LiveValue,
  LiveValues,
} from './live.ts';
