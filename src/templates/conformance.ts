/**
 * The reference `architectures` family, run through the model templates: each case names a
 * template; the template's image input takes the case's input_shape (batch 1), shapes are
 * inferred by the graph layer, and every reference row (a leaf nn module, in execution
 * order) is matched to the next graph node of the same PyTorch class. Compared: that node's
 * input and output shapes and its parameter count, then the model's output shape and the
 * total parameter count. Graph nodes with no parameters that PyTorch runs functionally
 * (F.relu after a residual add, say) may have no row of their own; any other unmatched node,
 * or a row with no node, fails the case.
 */
import type { CaseResult, RefCase } from '../engine/conformance/types.ts';
import {
  type GraphDocument,
  type GraphNode,
  inferShapes,
  loadDocument,
  type NodeId,
  type NodeInference,
} from '../graph/index.ts';
import { type Catalog, type Dim, catalog as defaultCatalog } from '../nodes/index.ts';
import { readTemplateText } from './node-loader.ts';
import { isModelNode, pytorchModuleClass } from './pytorch.ts';

interface LayerRow {
  name: string;
  type: string;
  input_shape: number[];
  output_shape: number[];
  params: number;
}

interface ArchitectureCase extends RefCase {
  input_shape: number[];
  output_shape: number[];
  layers: LayerRow[];
  total_params: number;
}

/** Reference case id → the template that builds that model. */
export const ARCHITECTURE_TEMPLATES: Record<string, string> = {
  lenet5_d2l: 'lenet',
  alexnet_d2l: 'alexnet',
  vgg11_d2l: 'vgg11',
  nin_d2l: 'nin',
  googlenet_d2l: 'googlenet',
  resnet18_d2l: 'resnet18',
  densenet_d2l: 'densenet',
  vit_d2l: 'vit_d2l',
  mlp_784_128_64_10: 'mnist_mlp',
  transformer_encoder_block: 'transformer_encoder_post_norm',
};

/**
 * Nodes in execution order: a topological order that, among the nodes ready to run, always
 * takes the earliest in the document, so a document written in PyTorch's forward order
 * keeps it (branches run one after another, not interleaved).
 */
export function executionOrder(doc: Pick<GraphDocument, 'nodes' | 'edges'>): NodeId[] {
  const position = new Map(doc.nodes.map((n, i) => [n.id, i]));
  const pending = new Map<NodeId, number>(doc.nodes.map((n) => [n.id, 0]));
  const next = new Map<NodeId, NodeId[]>(doc.nodes.map((n) => [n.id, []]));
  for (const e of doc.edges) {
    if (!position.has(e.from.node) || !position.has(e.to.node)) continue;
    pending.set(e.to.node, (pending.get(e.to.node) ?? 0) + 1);
    next.get(e.from.node)?.push(e.to.node);
  }
  const ready = doc.nodes.filter((n) => pending.get(n.id) === 0).map((n) => n.id);
  const order: NodeId[] = [];
  while (ready.length > 0) {
    let best = 0;
    for (let i = 1; i < ready.length; i++)
      if ((position.get(ready[i]) ?? 0) < (position.get(ready[best]) ?? 0)) best = i;
    const [id] = ready.splice(best, 1);
    order.push(id);
    for (const to of next.get(id) ?? []) {
      const left = (pending.get(to) ?? 0) - 1;
      pending.set(to, left);
      if (left === 0) ready.push(to);
    }
  }
  return order;
}

const show = (dims: readonly Dim[] | null | undefined) => (dims ? `[${dims.join(', ')}]` : 'none');
const sameDims = (a: readonly Dim[] | null | undefined, b: readonly number[]) =>
  !!a && a.length === b.length && a.every((d, i) => d === b[i]);

/** The template with its first float input set to the case's input shape. */
function withInputShape(doc: GraphDocument, shape: number[]): GraphDocument | string {
  const input = doc.nodes.find((n) => n.type === 'Input' && n.params.dtype !== 'int32');
  if (!input) return 'the template has no float Input node';
  return {
    ...doc,
    nodes: doc.nodes.map((n) => (n === input ? { ...n, params: { ...n.params, shape } } : n)),
  };
}

function firstPort(ports: Record<string, { dims: Dim[] } | null>): Dim[] | null {
  const first = Object.values(ports)[0];
  return first ? first.dims : null;
}

/** Compare one case's rows with the graph's model nodes; the first difference, or null. */
function compareLayers(rows: LayerRow[], nodes: { node: GraphNode; info: NodeInference }[]): string | null {
  let at = 0;
  for (const row of rows) {
    const start = at;
    while (at < nodes.length && pytorchModuleClass(nodes[at].node.type) !== row.type) {
      if (nodes[at].info.paramCount > 0) {
        return `layer ${row.name} (${row.type}): the graph has ${nodes[at].node.type} ${nodes[at].node.id} with ${nodes[at].info.paramCount} parameters first`;
      }
      at++;
    }
    if (at === nodes.length)
      return `layer ${row.name} (${row.type}): no matching node after ${nodes[start - 1]?.node.id ?? 'the input'}`;
    const { node, info } = nodes[at++];
    const where = `layer ${row.name} (${row.type}) ↔ ${node.id}`;
    const input = firstPort(info.inputs);
    const output = firstPort(info.outputs);
    if (!sameDims(input, row.input_shape))
      return `${where}: input ${show(input)}, expected ${show(row.input_shape)}`;
    if (!sameDims(output, row.output_shape))
      return `${where}: output ${show(output)}, expected ${show(row.output_shape)}`;
    if (info.paramCount !== row.params)
      return `${where}: ${info.paramCount} parameters, expected ${row.params}`;
  }
  const extra = nodes.slice(at).find((x) => x.info.paramCount > 0);
  return extra
    ? `the graph has ${extra.node.type} ${extra.node.id} with parameters after the last layer`
    : null;
}

/** Run one `architectures` case against its template. */
export function runArchitectureCase(raw: RefCase, catalog: Catalog = defaultCatalog): CaseResult {
  const c = raw as ArchitectureCase;
  const fail = (message: string): CaseResult => ({ id: c.id, ok: false, message });
  const name = ARCHITECTURE_TEMPLATES[c.id];
  if (!name) return { id: c.id, ok: false, unsupported: true, message: `no template builds ${c.id}` };
  // the graph alone matters here: the document loader, not the template's metadata checks
  const text = readTemplateText(name);
  const loaded =
    typeof text === 'string' ? loadDocument(text, catalog) : { ok: false as const, errors: [text] };
  if (!loaded.ok)
    return fail(`template ${name} does not load: ${loaded.errors[0].path} ${loaded.errors[0].message}`);
  const doc = withInputShape(loaded.doc, c.input_shape);
  if (typeof doc === 'string') return fail(`template ${name}: ${doc}`);
  const inference = inferShapes(doc, catalog);
  const error = inference.diagnostics.find((d) => d.severity === 'error');
  if (error) return fail(`template ${name}: ${error.nodeId}: ${error.message}`);
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const model = executionOrder(doc)
    .map((id) => ({ node: byId.get(id) as GraphNode, info: inference.nodes.get(id) as NodeInference }))
    .filter((x) => isModelNode(x.node.type, catalog));
  const classed = model.filter((x) => pytorchModuleClass(x.node.type) !== null);
  const layerProblem = compareLayers(c.layers, classed);
  if (layerProblem) return fail(layerProblem);
  const last = model[model.length - 1];
  const output = last && firstPort(last.info.outputs);
  if (!sameDims(output, c.output_shape))
    return fail(`model output ${show(output)}, expected ${show(c.output_shape)}`);
  const total = model.reduce((n, x) => n + x.info.paramCount, 0);
  if (total !== c.total_params) return fail(`${total} parameters in all, expected ${c.total_params}`);
  return { id: c.id, ok: true };
}
