/**
 * Layered left-to-right layout with elkjs. Pure: graph in, positions out; the worker runs it
 * off the main thread, tests run it directly.
 */
import ELK from 'elkjs/lib/elk.bundled.js';

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
  inputs: string[];
  outputs: string[];
}

export interface LayoutEdge {
  id: string;
  from: { node: string; port: string };
  to: { node: string; port: string };
}

export interface LayoutRequest {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
}

export type LayoutResult = Record<string, { x: number; y: number }>;

const portId = (node: string, side: 'in' | 'out', port: string) => `${node}|${side}|${port}`;

export async function computeLayout(req: LayoutRequest): Promise<LayoutResult> {
  const elk = new ELK();
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.edgeRouting': 'SPLINES',
    },
    children: req.nodes.map((n) => ({
      id: n.id,
      width: n.width,
      height: n.height,
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
      ports: [
        ...n.inputs.map((p, i) => ({
          id: portId(n.id, 'in', p),
          layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(i) },
        })),
        ...n.outputs.map((p, i) => ({
          id: portId(n.id, 'out', p),
          layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) },
        })),
      ],
    })),
    edges: req.edges.map((e) => ({
      id: e.id,
      sources: [portId(e.from.node, 'out', e.from.port)],
      targets: [portId(e.to.node, 'in', e.to.port)],
    })),
  };
  const out = await elk.layout(graph);
  const result: LayoutResult = {};
  for (const c of out.children ?? []) result[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
  return result;
}
