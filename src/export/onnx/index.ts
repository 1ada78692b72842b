/**
 * ONNX export and import (issue #9). `exportOnnx(doc, catalog, { weights })` → the bytes of an
 * .onnx file (opset 17) or an OnnxExportError; `importOnnx(bytes, catalog)` → a document and its
 * weights, or an OnnxImportError listing the ONNX ops Shapeflow has no node for.
 */
export {
  buildOnnxModel,
  exportOnnx,
  type OnnxExportOptions,
  type OnnxModelExport,
  type OnnxPort,
} from './export.ts';
export { importOnnx, type OnnxImport } from './import.ts';
export { OnnxError, OnnxExportError, OnnxImportError } from './mapping.ts';
export { onnxExportableTypes } from './table.ts';
