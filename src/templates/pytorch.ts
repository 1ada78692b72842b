/**
 * Which torch.nn module class a node type corresponds to, for comparing a graph with
 * PyTorch's module list (torchinfo-style summaries, the reference `architectures` family).
 * Node types are named after their nn class (Conv2d, BatchNorm2d, ReLU, …); the exceptions
 * are listed here: what PyTorch does functionally inside `forward` (torch.cat, +, reshapes,
 * indexing, nn.Parameters used directly) has no module of its own.
 */
import type { Catalog } from '../nodes/index.ts';

const FUNCTIONAL: ReadonlySet<string> = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Maximum',
  'MatMul',
  'Concat',
  'Reshape',
  'Transpose',
  'Permute',
  'Unsqueeze',
  'Squeeze',
  'Select',
  'Slice',
  'Narrow',
  'ClassToken',
  // ViT's pos_embedding is an nn.Parameter added in forward, not a module
  'PositionalEncoding',
  'Composite',
]);

/** Node types named differently from their nn class. */
const RENAMED: Readonly<Record<string, string>> = { MultiHeadAttention: 'MultiheadAttention' };

/** Node groups outside the model itself (data, losses, training machinery). */
const NOT_MODEL_GROUPS: ReadonlySet<string> = new Set([
  'sources',
  'losses',
  'optimizers',
  'schedulers',
  'evaluators',
  'metrics',
  'training',
]);

/** The nn module class of a node type, or null when PyTorch would do it functionally. */
export function pytorchModuleClass(type: string): string | null {
  return FUNCTIONAL.has(type) ? null : (RENAMED[type] ?? type);
}

/** Whether a node of this type is part of the model (not a data source, loss or optimizer). */
export function isModelNode(type: string, catalog: Catalog): boolean {
  const def = catalog.get(type);
  if (!def) return type !== 'Input' && !type.endsWith('Loss');
  return !NOT_MODEL_GROUPS.has(def.group) && !type.endsWith('Loss');
}
