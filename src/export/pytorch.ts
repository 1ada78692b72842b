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
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.ts';

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

/** A state_dict entry and the Shapeflow parameter key it comes from. */
export interface StateEntry extends NamedTensor {
  key: string;
}

export interface PyTorchExport {
  className: string;
  modelPy: string;
  /** the safetensors file */
  weights: Uint8Array;
  /** the state_dict entries the weights file holds, in module order */
  stateDict: StateEntry[];
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
  /** a per-spatial-dim size: `[5, 5]` is written `5`, as PyTorch takes a square size */
  spatial?: boolean;
}

/** How a node type becomes an nn layer. */
interface ModuleSpec {
  cls: string;
  args: Arg[];
  /** the state_dict entries the module owns (the graph may keep more, e.g. unused running stats) */
  state?: (params: Params) => string[];
  /** the call in forward, when it is more than `self.layer(inputs...)` */
  call?: (layer: string, inputs: (string | null)[], params: Params, outputsUsed: string[]) => string;
}

/** How a node type PyTorch runs functionally (no module) is written in forward. */
interface FunctionalSpec {
  expression: (inputs: (string | null)[], params: Params) => string;
}

const pos = (name: string, spatial = false): Arg => ({ name, from: name, positional: true, spatial });
const kw = (name: string, value: unknown, spatial = false): Arg => ({
  name,
  from: name,
  default: value,
  spatial,
});
/** a keyword PyTorch has no usable default for: always written */
const always = (name: string): Arg => ({ name, from: name });
const plain = (cls: string): ModuleSpec => ({ cls, args: [] });
const weightAndBias = (params: Params) => (params.bias === false ? ['weight'] : ['weight', 'bias']);
const affine = (flag: string) => (params: Params) => (params[flag] === false ? [] : ['weight', 'bias']);

const MODULES: Record<string, ModuleSpec> = {
  Linear: {
    cls: 'Linear',
    args: [pos('in_features'), pos('out_features'), kw('bias', true)],
    state: weightAndBias,
  },
  Conv2d: {
    cls: 'Conv2d',
    args: [
      pos('in_channels'),
      pos('out_channels'),
      pos('kernel_size', true),
      kw('stride', 1, true),
      kw('padding', 0, true),
      kw('dilation', 1, true),
      kw('groups', 1),
      kw('bias', true),
    ],
    state: weightAndBias,
  },
  Conv1d: {
    cls: 'Conv1d',
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
    state: weightAndBias,
  },
  BatchNorm1d: batchNormSpec('BatchNorm1d'),
  BatchNorm2d: batchNormSpec('BatchNorm2d'),
  LayerNorm: {
    cls: 'LayerNorm',
    args: [pos('normalized_shape'), kw('eps', 1e-5), kw('elementwise_affine', true)],
    state: affine('elementwise_affine'),
  },
  GroupNorm: {
    cls: 'GroupNorm',
    args: [pos('num_groups'), pos('num_channels'), kw('eps', 1e-5), kw('affine', true)],
    state: affine('affine'),
  },
  Embedding: {
    cls: 'Embedding',
    args: [pos('num_embeddings'), pos('embedding_dim'), kw('padding_idx', null)],
    state: () => ['weight'],
  },
  MultiHeadAttention: {
    cls: 'MultiheadAttention',
    args: [pos('embed_dim'), pos('num_heads'), kw('bias', true), kw('batch_first', false)],
    state: (params) =>
      params.bias === false
        ? ['in_proj_weight', 'out_proj.weight']
        : ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'],
    call: (layer, [query, key, value, padding], params, outputsUsed) => {
      const k = key ?? query;
      const v = value ?? k;
      const extra: string[] = [];
      if (!outputsUsed.includes('attn_weights')) extra.push('need_weights=False');
      if (params.mask === 'causal')
        extra.push(`attn_mask=causal_mask(${query}, ${k}, ${params.batch_first ? 1 : 0})`);
      if (params.mask === 'padding' && padding) extra.push(`key_padding_mask=${padding}.bool()`);
      return `self.${layer}(${[query, k, v, ...extra].join(', ')})`;
    },
  },
  Flatten: { cls: 'Flatten', args: [kw('start_dim', 1), kw('end_dim', -1)] },
  // Shapeflow's eval mode turns Dropout off, as model.eval() does
  Dropout: { cls: 'Dropout', args: [kw('p', 0.5)] },
  Identity: plain('Identity'),
  ReLU: plain('ReLU'),
  Sigmoid: plain('Sigmoid'),
  Tanh: plain('Tanh'),
  SiLU: plain('SiLU'),
  GELU: { cls: 'GELU', args: [kw('approximate', 'none')] },
  LeakyReLU: { cls: 'LeakyReLU', args: [kw('negative_slope', 0.01)] },
  ELU: { cls: 'ELU', args: [kw('alpha', 1)] },
  Softmax: { cls: 'Softmax', args: [always('dim')] },
  LogSoftmax: { cls: 'LogSoftmax', args: [always('dim')] },
  MaxPool2d: {
    cls: 'MaxPool2d',
    args: [
      pos('kernel_size', true),
      kw('stride', null, true),
      kw('padding', 0, true),
      kw('dilation', 1, true),
      kw('ceil_mode', false),
    ],
  },
  AvgPool2d: {
    cls: 'AvgPool2d',
    args: [
      pos('kernel_size', true),
      kw('stride', null, true),
      kw('padding', 0, true),
      kw('ceil_mode', false),
      kw('count_include_pad', true),
      kw('divisor_override', null),
    ],
  },
  AdaptiveAvgPool2d: { cls: 'AdaptiveAvgPool2d', args: [pos('output_size', true)] },
};

function batchNormSpec(cls: string): ModuleSpec {
  return {
    cls,
    args: [
      pos('num_features'),
      kw('eps', 1e-5),
      kw('momentum', 0.1),
      kw('affine', true),
      kw('track_running_stats', true),
    ],
    state: (params) => [
      ...affine('affine')(params),
      ...(params.track_running_stats === false ? [] : ['running_mean', 'running_var']),
    ],
  };
}

const binary = (operator: string): FunctionalSpec => ({
  expression: ([a, b]) => `${a} ${operator} ${b}`,
});

const FUNCTIONAL: Record<string, FunctionalSpec> = {
  Add: binary('+'),
  Sub: binary('-'),
  Mul: binary('*'),
  Div: binary('/'),
  MatMul: binary('@'),
  Pow: { expression: ([x], params) => `${x} ** ${pythonLiteral(params.exponent)}` },
  Maximum: { expression: ([a, b]) => `torch.maximum(${a}, ${b})` },
  Concat: {
    expression: (inputs, params) =>
      `torch.cat([${inputs.filter((x) => x !== null).join(', ')}], dim=${pythonLiteral(params.dim)})`,
  },
  Transpose: {
    expression: ([x], params) =>
      `${x}.transpose(${pythonLiteral(params.dim0)}, ${pythonLiteral(params.dim1)})`,
  },
  Permute: {
    expression: ([x], params) => `${x}.permute(${(params.dims as number[]).map(pythonLiteral).join(', ')})`,
  },
  Unsqueeze: { expression: ([x], params) => `${x}.unsqueeze(${pythonLiteral(params.dim)})` },
};

/** Node params PyTorch's module does not take, with the only value that exports faithfully. */
const FIXED_PARAMS: Record<string, Record<string, unknown>> = {
  BatchNorm1d: { mode: 'train' },
  BatchNorm2d: { mode: 'train' },
};

/** Node types the PyTorch export writes in model.py. */
export const exportableTypes: readonly string[] = [...Object.keys(MODULES), ...Object.keys(FUNCTIONAL)];

/** Groups whose nodes are training machinery, never part of forward. */
const MACHINERY_GROUPS = new Set(['losses', 'evaluators', 'optimizers', 'schedulers']);

const PYTHON_RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield ' +
    // names nn.Module itself uses, and the ones model.py imports
    // `x` is forward's running value; train.py's loss step names its model, batch and prediction
    'x model batch prediction self torch nn np json struct forward training train eval to cuda cpu apply float double half type ' +
    'parameters buffers modules children state_dict load_state_dict zero_grad register_buffer register_parameter'
  ).split(' '),
);

/** A valid, unused Python identifier for a label: `conv 1` → `conv_1`, `1st` → `_1st`. */
export function identifierMaker(taken: Iterable<string> = []): (label: string) => string {
  const used = new Set<string>(taken);
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

/** The name a data source's output goes by: an Input's label, a dataset's `inputs` and `targets`. */
export function sourceStem(node: GraphNode, port: string): string {
  if (node.type === 'Input') return node.label ?? node.id.replace(/^node:/, '');
  return { x: 'inputs', y: 'targets' }[port] ?? port;
}

/** `[5, 5]` → `5` (PyTorch takes a square size as one int); other tuples stay tuples. */
function collapse(value: unknown): unknown {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v === value[0])) return value[0];
  return value;
}

/** A value as Python source: None, True, numbers, strings, tuples. */
export function pythonLiteral(value: unknown): string {
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

function constructorCall(spec: ModuleSpec, params: Params): string {
  const args: string[] = [];
  for (const a of spec.args) {
    const value = a.spatial ? collapse(params[a.from]) : params[a.from];
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

/** Export a document as a PyTorch module with Shapeflow's initial weights for `seed`, or given ones. */
export function exportPyTorch(
  doc: GraphDocument,
  catalog: Catalog,
  options: { seed?: number; weights?: Uint8Array } = {},
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
  checkExportable(
    doc.nodes.filter((n) => inModel.has(n.id) && !isSource(n)),
    catalog,
  );

  const compiled = compileGraph(doc, { catalog, symbols: { N: 1, ...doc.meta?.symbols } });
  if (!compiled.ok) throw new ExportError(`the graph does not compile: ${compiled.errors[0].message}`);
  const inference = inferShapes(doc, catalog);
  const order = inference.order.filter((id) => inModel.has(id));
  const name = identifierMaker();
  const paramsOf = (node: GraphNode) => {
    const def = catalog.get(node.type);
    return { ...(def ? defaultsOf(def) : {}), ...node.params } as Params;
  };

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
      const arg = name(sourceStem(node, port.name));
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
  const modules = layers.flatMap((id) => {
    const node = index.nodes.get(id) as GraphNode;
    const spec = moduleSpec(node.type, paramsOf(node));
    return spec ? [{ id, node, spec }] : [];
  });
  const initial = modules.flatMap(({ id, node, spec }) =>
    layerWeights(compiled.plan, id, attrs.get(id) as string, spec.state?.(paramsOf(node)) ?? [], seed),
  );
  const stateDict = options.weights ? withGivenWeights(initial, options.weights) : initial;
  const init = modules.map(
    ({ id, node, spec }) => `        self.${attrs.get(id)} = ${constructorCall(spec, paramsOf(node))}`,
  );

  // a value consumed only by the next line (a chain) is `x`; one that branches keeps its layer's name
  const consumers = (id: NodeId) => (index.outgoing.get(id) ?? []).filter((e) => inModel.has(e.to.node));
  const isOutput = (id: NodeId) => outputs.some((o) => o.node === id);
  const forward = layers.map((id, i) => {
    const node = index.nodes.get(id) as GraphNode;
    const params = paramsOf(node);
    const ports = portsOf(node, catalog)?.inputs.filter((p) => p.kind === 'tensor') ?? [];
    const args = ports.map((p) => {
      const edge = index.edgeInto(id, p.name);
      const v = edge ? valueNames.get(valueKey(edge.from.node, edge.from.port)) : null;
      if (!v && !p.optional)
        throw new ExportError(`${node.type} (${id}): input '${p.name}' is not connected`);
      return v ?? null;
    });
    const attr = attrs.get(id) as string;
    const outPorts = portsOf(node, catalog)?.outputs.filter((p) => p.kind === 'tensor') ?? [];
    const usedPorts = outPorts.filter(
      (p) => consumers(id).some((e) => e.from.port === p.name) || isOutput(id),
    );
    const next = consumers(id);
    const chained =
      usedPorts.length <= 1 &&
      (next.length === 1 && next[0].to.node === layers[i + 1] && !isOutput(id)
        ? true
        : next.length === 0 && outputs.length === 1 && isOutput(id));
    const variable = chained ? 'x' : attr;
    const dims = inference.nodes.get(id)?.outputs[outPorts[0]?.name ?? 'output']?.dims;
    const comment = dims ? `  # ${formatDims(dims)}` : '';
    const functional = FUNCTIONAL[node.type];
    const spec = moduleSpec(node.type, params);
    const call = functional
      ? functional.expression(args, params)
      : (spec?.call?.(
          attr,
          args,
          params,
          usedPorts.map((p) => p.name),
        ) ?? `self.${attr}(${args.filter((a) => a !== null).join(', ')})`);
    if (outPorts.length > 1) {
      // a module returning a tuple (MultiheadAttention: output, averaged attention weights)
      const names = outPorts.map((p, k) => (k === 0 ? variable : `${attr}_${p.name}`));
      outPorts.forEach((p, k) => valueNames.set(valueKey(id, p.name), names[k]));
      const targets = outPorts.map((p, k) => (usedPorts.includes(p) ? names[k] : '_'));
      return `        ${targets.join(', ')} = ${call}${comment}`;
    }
    valueNames.set(valueKey(id, outPorts[0]?.name ?? 'output'), variable);
    return `        ${variable} = ${call}${comment}`;
  });
  const returned = outputs.map((o) => valueNames.get(valueKey(o.node, o.port)) as string);

  const cls = className(doc.meta?.title);
  const modelPy = renderModule({
    cls,
    title: doc.meta?.title ?? cls,
    seed,
    trained: !!options.weights,
    inputs,
    init,
    forward,
    returned,
    helpers: modules.some(({ node }) => paramsOf(node).mask === 'causal') ? [CAUSAL_MASK_PY] : [],
  });
  const weights = encodeSafetensors(stateDict, {
    format: 'pt',
    source: 'shapeflow',
    ...(options.weights ? {} : { seed: String(seed) }),
  });
  return { className: cls, modelPy, weights, stateDict, inputs, outputs };
}

/** The nn module a node type becomes, or null when forward computes it without one. */
function moduleSpec(type: string, params: Params): ModuleSpec | null {
  if (FUNCTIONAL[type]) return null;
  // a Dropout fixed in eval mode never drops: PyTorch's equivalent is Identity
  if (type === 'Dropout' && params.mode === 'eval') return MODULES.Identity;
  return MODULES[type];
}

/** Every node type must have a PyTorch form, and params PyTorch has no equivalent for their defaults. */
function checkExportable(nodes: GraphNode[], catalog: Catalog): void {
  const unsupported = new Map<string, number>();
  for (const node of nodes) {
    if (!MODULES[node.type] && !FUNCTIONAL[node.type])
      unsupported.set(node.type, (unsupported.get(node.type) ?? 0) + 1);
  }
  if (unsupported.size) {
    const list = [...unsupported].map(([type, count]) => `${type} ×${count}`).join(', ');
    throw new ExportError(
      `cannot export to PyTorch: unsupported node types ${list} (supported: ${exportableTypes.join(', ')})`,
    );
  }
  for (const node of nodes) {
    const def = catalog.get(node.type);
    const params = { ...(def ? defaultsOf(def) : {}), ...node.params };
    for (const [param, value] of Object.entries(FIXED_PARAMS[node.type] ?? {})) {
      if (params[param] !== value)
        throw new ExportError(
          `${node.type} (${node.id}): ${param} ${JSON.stringify(params[param])} has no PyTorch module equivalent; set ${param} to ${JSON.stringify(value)} (model.train()/model.eval() switch it in PyTorch)`,
        );
    }
  }
}

/** A layer's entries under PyTorch's state_dict names (`fc1.weight`), with their initial values. */
function layerWeights(plan: Plan, node: NodeId, attr: string, state: string[], seed: number): StateEntry[] {
  return plan.params
    .filter((p) => p.node === node && state.includes(p.name))
    .map((p) => ({ key: p.key, name: `${attr}.${p.name}`, shape: p.shape, data: initialValues(p, seed) }));
}

/**
 * The state_dict with values from a safetensors file: its tensors may be named as model.py's
 * state_dict (`fc1.weight`) or by Shapeflow's parameter keys (`node:fc1/weight`).
 */
function withGivenWeights(state: StateEntry[], file: Uint8Array): StateEntry[] {
  let tensors: NamedTensor[];
  try {
    tensors = decodeSafetensors(file).tensors;
  } catch (e) {
    throw new ExportError(`--weights: not a readable safetensors file (${(e as Error).message})`);
  }
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const missing = state.filter((s) => !byName.has(s.name) && !byName.has(s.key));
  if (missing.length) {
    const names = missing.slice(0, 5).map((s) => s.name);
    throw new ExportError(
      `--weights: the file has no tensor for ${names.join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} (names are the state_dict's, e.g. '${state[0]?.name}', or Shapeflow's keys, e.g. '${state[0]?.key}')`,
    );
  }
  return state.map((s) => {
    const t = (byName.get(s.name) ?? byName.get(s.key)) as NamedTensor;
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i]))
      throw new ExportError(
        `--weights: tensor '${t.name}' has shape [${t.shape}], the model's ${s.name} is [${s.shape}]`,
      );
    return { ...s, data: t.data };
  });
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

const CAUSAL_MASK_PY = `

def causal_mask(query, key, seq_dim):
    """-inf above the diagonal: position i attends to keys 0..i only."""
    size = (query.shape[seq_dim], key.shape[seq_dim])
    return torch.triu(torch.full(size, float('-inf'), device=query.device), diagonal=1)
`;

function renderModule(m: {
  cls: string;
  title: string;
  seed: number;
  trained: boolean;
  inputs: ModelInput[];
  init: string[];
  forward: string[];
  returned: string[];
  helpers: string[];
}): string {
  const args = m.inputs.map((i) => i.arg).join(', ');
  const argDocs = m.inputs.map((i) => `        ${i.arg}: ${formatDims(i.dims)} ${i.dtype}`);
  const weightsDoc = m.trained
    ? 'weights.safetensors holds weights trained in Shapeflow'
    : `weights.safetensors holds Shapeflow's initial weights (seed ${m.seed})`;
  return `"""${m.title}: exported from Shapeflow.

${weightsDoc} under this module's
state_dict names; load them with \`build_model('weights.safetensors')\`.
"""
import json
import struct

import numpy as np
import torch
from torch import nn
${m.helpers.join('')}

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


def save_safetensors(state_dict, path, metadata=None):
    """Write the float tensors of a state_dict as safetensors (BatchNorm's step counters are left out)."""
    tensors = {k: v.detach().cpu().float().contiguous() for k, v in state_dict.items() if v.is_floating_point()}
    header, offset = {}, 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in tensors.items():
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + 4 * t.numel()]}
        offset += 4 * t.numel()
    text = json.dumps(header)
    text += ' ' * (-(8 + len(text)) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text.encode())
        for t in tensors.values():
            f.write(t.numpy().astype('<f4').tobytes())


def build_model(weights_path=None):
    model = ${m.cls}()
    if weights_path is not None:
        # Shapeflow keeps no BatchNorm step counter (num_batches_tracked): every other entry must match
        missing, unexpected = model.load_state_dict(load_safetensors(weights_path), strict=False)
        missing = [k for k in missing if not k.endswith('num_batches_tracked')]
        if missing or unexpected:
            raise KeyError(f'{weights_path}: missing {missing}, unexpected {unexpected}')
    return model
`;
}
