/**
 * Diagnostics are data: which node, which edge and port, PyTorch's message, an explanation,
 * and fixes that are real edits (applying one is one undoable transaction).
 */
import type { Catalog } from '../nodes/catalog.ts';
import type { Explanation, FixIntent, ShapeIssue } from '../nodes/types.ts';
import type { DocumentIndex, EdgeId, GraphEdge, GraphNode, NodeId } from './document.ts';
import { createNode, type Edit } from './edits.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface Fix {
  label: string;
  edits: Edit[];
}

export interface Diagnostic {
  severity: Severity;
  /** stable: a shape rule's code ('broadcast', 'in_features', …) or the graph's own
   * ('unconnected', 'blocked', 'dtype', 'rule_failed') */
  code: string;
  nodeId: NodeId;
  /** the edge feeding `port`, when there is one */
  edgeId?: EdgeId;
  port?: string;
  /** for an issue inside a composite: the inner node it is about */
  innerNodeId?: NodeId;
  message: string;
  explanation?: Explanation;
  fixes: Fix[];
}

/** Deterministic ids for what a fix inserts, so the same document yields the same fix. */
function fixIds(index: DocumentIndex, node: NodeId, port: string, stem: string) {
  const base = `${stem}_${node.slice(5)}_${port}`.replace(/[^A-Za-z0-9_]/g, '_');
  let k = 0;
  const nodeId = (): NodeId => `node:${base}${k ? `_${k}` : ''}`;
  while (index.nodes.has(nodeId())) k++;
  return {
    node: nodeId(),
    in: `edge:${base}${k ? `_${k}` : ''}_in` as EdgeId,
    out: `edge:${base}${k ? `_${k}` : ''}_out` as EdgeId,
  };
}

/** The edits for one fix intent at `node`, or null when the graph around it does not allow it. */
export function editsForIntent(
  intent: FixIntent,
  node: GraphNode,
  index: DocumentIndex,
  catalog: Catalog,
): Edit[] | null {
  if (intent.kind === 'setParam')
    return [{ kind: 'setParam', id: node.id, name: intent.param, value: intent.value }];
  if (intent.kind === 'swapInputs') {
    const ea = index.edgeInto(node.id, intent.a);
    const eb = index.edgeInto(node.id, intent.b);
    if (!ea || !eb) return null;
    return [
      { kind: 'disconnect', id: ea.id },
      { kind: 'disconnect', id: eb.id },
      { kind: 'connect', edge: { id: ea.id, from: ea.from, to: eb.to } },
      { kind: 'connect', edge: { id: eb.id, from: eb.from, to: ea.to } },
    ];
  }
  const feeding = index.edgeInto(node.id, intent.port);
  const def = catalog.get(intent.nodeType);
  if (!feeding || !def || def.inputs.length === 0 || def.outputs.length === 0) return null;
  const source = index.nodes.get(feeding.from.node);
  const ids = fixIds(index, node.id, intent.port, intent.nodeType.toLowerCase());
  const at = source
    ? { x: (source.position.x + node.position.x) / 2, y: (source.position.y + node.position.y) / 2 }
    : node.position;
  const inserted = createNode(catalog, intent.nodeType, {
    id: ids.node,
    position: at,
    params: intent.params,
  });
  const into: GraphEdge = {
    id: ids.in,
    from: feeding.from,
    to: { node: ids.node, port: def.inputs[0].name },
  };
  const onward: GraphEdge = {
    id: ids.out,
    from: { node: ids.node, port: def.outputs[0].name },
    to: feeding.to,
  };
  return [
    { kind: 'disconnect', id: feeding.id },
    { kind: 'addNode', node: inserted },
    { kind: 'connect', edge: into },
    { kind: 'connect', edge: onward },
  ];
}

/** A shape rule's issue, placed on its node and edge, its fixes turned into edits. */
export function toDiagnostic(
  issue: ShapeIssue,
  node: GraphNode,
  index: DocumentIndex,
  catalog: Catalog,
): Diagnostic {
  const d: Diagnostic = {
    severity: issue.severity,
    code: issue.code,
    nodeId: node.id,
    message: issue.message,
    fixes: [],
  };
  if (issue.port !== undefined) {
    d.port = issue.port;
    const edge = index.edgeInto(node.id, issue.port);
    if (edge) d.edgeId = edge.id;
  }
  if (issue.explanation !== undefined) d.explanation = issue.explanation;
  for (const fix of issue.fixes ?? []) {
    const parts = fix.intents.map((intent) => editsForIntent(intent, node, index, catalog));
    // a fix is offered whole or not at all
    if (parts.length > 0 && parts.every((x) => x !== null))
      d.fixes.push({ label: fix.label, edits: parts.flat() });
  }
  return d;
}
