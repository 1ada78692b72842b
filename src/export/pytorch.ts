/**
 * Graph document → PyTorch: a readable `model.py` (an nn.Module whose layers and forward mirror
 * the graph, with PyTorch's class names and defaults) and the weights Shapeflow starts training
 * from, in safetensors format under the module's state_dict names.
 *
 * The model is what feeds the losses (or, without a loss, the graph's end nodes): losses,
 * metrics, optimizers and schedulers are training machinery and stay out of forward. The
 * weights come from compiling the document and drawing each parameter's initial values with
 * the seed, exactly as the trainer does, so the two start from the same numbers.
 */

import { compileGraph, optimizerNameOf, schedulerNameOf } from '../training/compile.ts';
import { initialValues } from '../engine/compile/params.ts';
import type { Plan } from '../engine/compile/plan.ts';
import {
  COMPOSITE_TYPE,
  DocumentIndex,
  type GraphDocument,
  type GraphNode,
  type NodeId,
  portsOf,
} from '../graph/document.ts';
import { inferShapes } from '../graph/infer.ts';
import type { Catalog } from '../nodes/catalog.ts';
import { defaultsOf } from '../nodes/define.ts';
import type { Dim } from '../nodes/types.ts';
import { encodeSafetensors, type NamedTensor } from './safetensors.ts';

/** Why a document cannot be exported. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** A forward argument: a source node's output port. */
export interface ModelInput {
  arg: string;
  node: NodeId;
  port: string;
  dims: Dim[];
  dtype: string;
}

/** A value forward returns: a node's output port. */
export interface ModelOutput {
  node: NodeId;
  port: string;
}

export interface PyTorchExport {
  className: string;
  modelPy: string;
  /** the safetensors file */
  weights: Uint8Array;
  /** the state_dict entries the weights file holds, in module order */
  stateDict: NamedTensor[];
  inputs: ModelInput[];
  outputs: ModelOutput[];
}

type Params = Record<string, unknown>;

/** One PyTorch constructor argument: positional, or a keyword left out at PyTorch's default. */
interface Arg {
  name: string;
  from: string;
  positional?: boolean;
  default?: unknown;
}

/** How a node type becomes an nn layer; `params` lists the PyTorch state_dict names it owns. */
interface LayerSpec {
  cls: string;
  args: Arg[];
  params: string[];
}

const pos = (name: string): Arg => ({ name, from: name, positional: true });
const kw = (name: string, value: unknown, from = name): Arg => ({ name, from, default: value });

const LAYERS: Record<string, LayerSpec> = {
  Linear: {
    cls: 'Linear',
    args: [pos('in_features'), pos('out_features'), kw('bias', true)],
    params: ['weight', 'bias'],
  },
  Conv2d: {
    cls: 'Conv2d',
    args: [
      pos('in_channels'),
      pos('out_channels'),
      pos('kernel_size'),
      kw('stride', 1),
      kw('padding', 0),
      kw('dilation', 1),
      kw('groups', 1),
      kw('bias', true),
    ],
    params: ['weight', 'bias'],
  },
  Flatten: { cls: 'Flatten', args: [kw('start_dim', 1), kw('end_dim', -1)], params: [] },
  // Shapeflow's eval mode turns Dropout off, as model.eval() does
  Dropout: { cls: 'Dropout', args: [kw('p', 0.5)], params: [] },
  ReLU: { cls: 'ReLU', args: [], params: [] },
  Sigmoid: { cls: 'Sigmoid', args: [], params: [] },
  Tanh: { cls: 'Tanh', args: [], params: [] },
  MaxPool2d: {
    cls: 'MaxPool2d',
    args: [
      pos('kernel_size'),
      kw('stride', null),
      kw('padding', 0),
      kw('dilation', 1),
      kw('ceil_mode', false),
    ],
    params: [],
  },
  AvgPool2d: {
    cls: 'AvgPool2d',
    args: [
      pos('kernel_size'),
      kw('stride', null),
      kw('padding', 0),
      kw('ceil_mode', false),
      kw('count_include_pad', true),
      kw('divisor_override', null),
    ],
    params: [],
  },
};

/** Node types the PyTorch export writes as layers. */
export const exportableTypes: readonly string[] = Object.keys(LAYERS);

/** Groups whose nodes are training machinery, never part of forward. */
const MACHINERY_GROUPS = new Set(['losses', 'evaluators', 'optimizers', 'schedulers']);

const PYTHON_RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield ' +
    // names nn.Module itself uses, and the ones model.py imports
    // `x` is forward's running value
    'x self torch nn np json struct forward training train eval to cuda cpu apply float double half type ' +
    'parameters buffers modules children state_dict load_state_dict zero_grad register_buffer register_parameter'
  ).split(' '),
);

/** A valid, unused Python identifier for a label: `conv 1` → `conv_1`, `1st` → `_1st`. */
function identifierMaker(): (label: string) => string {
  const used = new Set<string>();
  return (label) => {
    let base = label.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'layer';
    if (/^[0-9]/.test(base)) base = `_${base}`;
    if (PYTHON_RESERVED.has(base)) base = `${base}_`;
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };
}

/** `[5, 5]` → `5` (PyTorch takes a square size as one int); other tuples stay tuples. */
function collapse(value: unknown): unknown {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v === value[0])) return value[0];
  return value;
}

function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      return value > 0 ? "float('inf')" : value < 0 ? "float('-inf')" : "float('nan')";
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    const items = value.map(pythonLiteral);
    return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
  }
  throw new ExportError(`cannot write ${JSON.stringify(value)} as a Python literal`);
}

function constructorCall(spec: LayerSpec, params: Params): string {
  const args: string[] = [];
  for (const a of spec.args) {
    const value = collapse(params[a.from]);
    if (a.positional) args.push(pythonLiteral(value));
    else if (JSON.stringify(value ?? null) !== JSON.stringify(a.default))
      args.push(`${a.name}=${pythonLiteral(value)}`);
  }
  return `nn.${spec.cls}(${args.join(', ')})`;
}

/** `MNIST MLP` → `MNISTMLP`; `lenet-5` → `Lenet5`. */
function className(title: string | undefined): string {
  const words = (title ?? '').split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return name && /^[A-Za-z]/.test(name) ? name : 'Model';
}

const formatDims = (dims: readonly Dim[]) => `[${dims.join(', ')}]`;

/** The nodes forward computes: what the losses take as their prediction, or the graph's end nodes. */
function modelOutputs(
  doc: GraphDocument,
  index: DocumentIndex,
  catalog: Catalog,
  isMachinery: (n: GraphNode) => boolean,
) {
  const outputs: ModelOutput[] = [];
  const add = (node: NodeId, port: string) => {
    if (!outputs.some((o) => o.node === node && o.port === port)) outputs.push({ node, port });
  };
  for (const node of doc.nodes) {
    if (catalog.get(node.type)?.group !== 'losses') continue;
    const first = portsOf(node, catalog)?.inputs.find((p) => p.kind === 'tensor');
    const edge = first && index.edgeInto(node.id, first.name);
    if (edge) add(edge.from.node, edge.from.port);
  }
  if (outputs.length) return outputs;
  for (const node of doc.nodes) {
    if (isMachinery(node) || catalog.get(node.type)?.group === 'sources') continue;
    const feedsModel = (index.outgoing.get(node.id) ?? []).some(
      (e) => !isMachinery(index.nodes.get(e.to.node) as GraphNode),
    );
    const port = portsOf(node, catalog)?.outputs.find((p) => p.kind === 'tensor');
    if (!feedsModel && port) add(node.id, port.name);
  }
  return outputs;
}

/** Export a document as a PyTorch module with Shapeflow's initial weights for `seed`. */
export function exportPyTorch(
  doc: GraphDocument,
  catalog: Catalog,
  options: { seed?: number } = {},
): PyTorchExport {
  const seed = options.seed ?? defaultSeed(doc, catalog);
  const index = new DocumentIndex(doc);
  const groupOf = (n: GraphNode) => catalog.get(n.type)?.group;
  const isMachinery = (n: GraphNode) =>
    MACHINERY_GROUPS.has(groupOf(n) ?? '') ||
    !!optimizerNameOf(n.type, groupOf(n), n.params) ||
    !!schedulerNameOf(n.type, groupOf(n), n.params);
  const isSource = (n: GraphNode) => groupOf(n) === 'sources';

  const outputs = modelOutputs(doc, index, catalog, isMachinery);
  if (!outputs.length) throw new ExportError('the graph has no layers to export');

  // every node the outputs depend on
  const inModel = new Set<NodeId>();
  const stack = outputs.map((o) => o.node);
  while (stack.length) {
    const id = stack.pop() as NodeId;
    if (inModel.has(id)) continue;
    inModel.add(id);
    const node = index.nodes.get(id) as GraphNode;
    if (!isSource(node)) for (const e of index.incoming.get(id) ?? []) stack.push(e.from.node);
  }

  const unsupported = new Map<string, number>();
  for (const id of inModel) {
    const node = index.nodes.get(id) as GraphNode;
    if (isSource(node)) continue;
    const type = node.type === COMPOSITE_TYPE ? COMPOSITE_TYPE : node.type;
    if (!LAYERS[type]) unsupported.set(type, (unsupported.get(type) ?? 0) + 1);
  }
  if (unsupported.size) {
    const list = [...unsupported].map(([type, count]) => `${type} ×${count}`).join(', ');
    throw new ExportError(
      `cannot export to PyTorch: unsupported node types ${list} (supported: ${exportableTypes.join(', ')})`,
    );
  }

  const compiled = compileGraph(doc, { catalog, symbols: { N: 1, ...doc.meta?.symbols } });
  if (!compiled.ok) throw new ExportError(`the graph does not compile: ${compiled.errors[0].message}`);
  const inference = inferShapes(doc, catalog);
  const order = inference.order.filter((id) => inModel.has(id));
  const name = identifierMaker();

  const inputs: ModelInput[] = [];
  const valueNames = new Map<string, string>();
  const valueKey = (node: NodeId, port: string) => `${node}:${port}`;
  for (const id of order) {
    const node = index.nodes.get(id) as GraphNode;
    if (!isSource(node)) continue;
    for (const port of portsOf(node, catalog)?.outputs ?? []) {
      const used = (index.outgoing.get(id) ?? []).some(
        (e) => e.from.port === port.name && inModel.has(e.to.node),
      );
      if (!used) continue;
      const type = inference.nodes.get(id)?.outputs[port.name];
      const stem = node.type === 'Input' ? (node.label ?? id.replace(/^node:/, '')) : port.name;
      const arg = name(stem);
      inputs.push({
        arg,
        node: id,
        port: port.name,
        dims: type?.dims ?? [],
        dtype: type?.dtype ?? 'float32',
      });
      valueNames.set(valueKey(id, port.name), arg);
    }
  }

  const layers = order.filter((id) => !isSource(index.nodes.get(id) as GraphNode));
  const attrs = new Map(
    layers.map((id) => [id, name(index.nodes.get(id)?.label ?? id.replace(/^node:/, ''))]),
  );
  const stateDict = layers.flatMap((id) => layerWeights(compiled.plan, id, attrs.get(id) as string, seed));

  const init = layers.map((id) => {
    const node = index.nodes.get(id) as GraphNode;
    const def = catalog.get(node.type);
    const params = { ...(def ? defaultsOf(def) : {}), ...node.params } as Params;
    return `        self.${attrs.get(id)} = ${constructorCall(LAYERS[node.type], params)}`;
  });

  // a value consumed only by the next line (a chain) is `x`; one that branches keeps its layer's name
  const consumers = (id: NodeId) => (index.outgoing.get(id) ?? []).filter((e) => inModel.has(e.to.node));
  const isOutput = (id: NodeId) => outputs.some((o) => o.node === id);
  const forward = layers.map((id, i) => {
    const node = index.nodes.get(id) as GraphNode;
    const ports = portsOf(node, catalog)?.inputs.filter((p) => p.kind === 'tensor') ?? [];
    const args = ports.map((p) => {
      const edge = index.edgeInto(id, p.name);
      const v = edge && valueNames.get(valueKey(edge.from.node, edge.from.port));
      if (!v) throw new ExportError(`${node.type} (${id}): input '${p.name}' is not connected`);
      return v;
    });
    const next = consumers(id);
    const chained =
      next.length === 1 && next[0].to.node === layers[i + 1] && !isOutput(id)
        ? true
        : next.length === 0 && outputs.length === 1 && isOutput(id);
    const variable = chained ? 'x' : (attrs.get(id) as string);
    const port = portsOf(node, catalog)?.outputs[0]?.name ?? 'output';
    valueNames.set(valueKey(id, port), variable);
    const dims = inference.nodes.get(id)?.outputs[port]?.dims;
    const comment = dims ? `  # ${formatDims(dims)}` : '';
    return `        ${variable} = self.${attrs.get(id)}(${args.join(', ')})${comment}`;
  });
  const returned = outputs.map((o) => valueNames.get(valueKey(o.node, o.port)) as string);

  const cls = className(doc.meta?.title);
  const modelPy = renderModule({
    cls,
    title: doc.meta?.title ?? cls,
    seed,
    inputs,
    init,
    forward,
    returned,
  });
  const weights = encodeSafetensors(stateDict, { format: 'pt', source: 'shapeflow', seed: String(seed) });
  return { className: cls, modelPy, weights, stateDict, inputs, outputs };
}

/** A layer's parameters under PyTorch's state_dict names (`fc1.weight`), with their initial values. */
function layerWeights(plan: Plan, node: NodeId, attr: string, seed: number): NamedTensor[] {
  return plan.params
    .filter((p) => p.node === node)
    .map((p) => ({ name: `${attr}.${p.name}`, shape: p.shape, data: initialValues(p, seed) }));
}

/** The seed training starts from when none is given: the dataset node's, else 0. */
function defaultSeed(doc: GraphDocument, catalog: Catalog): number {
  for (const node of doc.nodes) {
    const def = catalog.get(node.type);
    if (def?.group !== 'sources' || def.outputs.length !== 2) continue;
    const seed = Number({ ...defaultsOf(def), ...node.params }.seed ?? 0);
    if (Number.isFinite(seed)) return seed;
  }
  return 0;
}

function renderModule(m: {
  cls: string;
  title: string;
  seed: number;
  inputs: ModelInput[];
  init: string[];
  forward: string[];
  returned: string[];
}): string {
  const args = m.inputs.map((i) => i.arg).join(', ');
  const argDocs = m.inputs.map((i) => `        ${i.arg}: ${formatDims(i.dims)} ${i.dtype}`);
  return `"""${m.title}: exported from Shapeflow.

weights.safetensors holds Shapeflow's initial weights (seed ${m.seed}) under this module's
state_dict names; load them with \`build_model('weights.safetensors')\`.
"""
import json
import struct

import numpy as np
import torch
from torch import nn


class ${m.cls}(nn.Module):
    def __init__(self):
        super().__init__()
${m.init.join('\n')}

    def forward(self, ${args}):
        """
${argDocs.join('\n')}
        """
${m.forward.join('\n')}
        return ${m.returned.join(', ')}


def load_safetensors(path):
    """Read a safetensors file of float32 tensors (no safetensors package needed)."""
    with open(path, 'rb') as f:
        (header_length,) = struct.unpack('<Q', f.read(8))
        header = json.loads(f.read(header_length))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        if info['dtype'] != 'F32':
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, expected F32")
        start, end = info['data_offsets']
        array = np.frombuffer(data[start:end], dtype='<f4').reshape(info['shape'])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def build_model(weights_path=None):
    model = ${m.cls}()
    if weights_path is not None:
        model.load_state_dict(load_safetensors(weights_path))
    return model
`;
}
