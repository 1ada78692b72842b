/**
 * Building graph documents from code (the template generator, tests): add nodes with
 * readable ids, wire them, and lay them out in columns by depth. Params left out take the
 * catalog's defaults, written out in full so a template says exactly what it runs.
 */
import {
  DOCUMENT_FORMAT,
  DOCUMENT_VERSION,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  type NodeId,
  type PortRef,
} from '../graph/index.ts';
import { type Catalog, defaultsOf, type ParamValue } from '../nodes/index.ts';
import type { TemplateMeta } from './template.ts';

export type Params = Record<string, ParamValue>;

/** A node in the making: its id and its output ports. */
export interface NodeHandle {
  id: NodeId;
  /** an output port of this node (default 'output') */
  out(port?: string): PortRef;
}

/** Where a value comes from: a node's default output, or a named port. */
export type Source = NodeHandle | PortRef;

const refOf = (s: Source): PortRef => ('out' in s ? s.out() : s);

function isSource(x: Source | Record<string, Source>): x is Source {
  return 'out' in x || (typeof x.node === 'string' && typeof x.port === 'string');
}

/**
 * The automatic layout: column width, a node's height (a header plus one row per port, as
 * the editor draws it), the gap between nodes of a column, columns before wrapping (at least),
 * and the width-to-height ratio a deep graph's bands widen to (so it is not a tall strip).
 */
const LAYOUT = { column: 250, header: 60, port: 19, gap: 40, columns: 8, bandGap: 90, wideAs: 1.6 };

export class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly edges: GraphEdge[] = [];
  private readonly stems = new Map<string, number>();

  constructor(private readonly catalog: Catalog) {}

  /** A node of `type`: params over its defaults, an optional label and id stem. */
  node(type: string, params: Params = {}, options: { label?: string; stem?: string } = {}): NodeHandle {
    const def = this.catalog.get(type);
    const full = def ? { ...(defaultsOf(def) as Params), ...params } : { ...params };
    const id = this.freshId(
      options.stem ?? (options.label && /[a-z]/i.test(options.label) ? options.label : type),
    );
    const node: GraphNode = { id, type, params: full, position: { x: 0, y: 0 } };
    // module paths made of indices only ('3', '0.1') say nothing on the canvas
    if (options.label && /[a-z]/i.test(options.label)) node.label = options.label;
    this.nodes.push(node);
    return { id, out: (port = 'output') => ({ node: id, port }) };
  }

  /** Connect `from` into `to`'s input `port`. */
  wire(from: Source, to: NodeHandle, port = 'input'): void {
    const source = refOf(from);
    this.edges.push({ id: `edge:${this.edges.length + 1}`, from: source, to: { node: to.id, port } });
  }

  /**
   * A node fed by its inputs: one source into 'input', or a map of port → source.
   */
  apply(
    type: string,
    inputs: Source | Record<string, Source>,
    params: Params = {},
    label?: string,
  ): NodeHandle {
    const handle = this.node(type, params, { label });
    if (isSource(inputs)) this.wire(inputs, handle);
    else for (const [port, src] of Object.entries(inputs)) this.wire(src, handle, port);
    return handle;
  }

  /** A chain of single-input nodes fed by `from`; returns the last. */
  chain(from: Source, layers: [type: string, params?: Params, label?: string][]): Source {
    let at = from;
    for (const [type, params, label] of layers) at = this.apply(type, at, params ?? {}, label);
    return at;
  }

  /** The finished document, laid out in columns by depth (wrapping into bands). */
  document(meta: TemplateMeta): GraphDocument {
    this.layout();
    return { format: DOCUMENT_FORMAT, version: DOCUMENT_VERSION, meta, nodes: this.nodes, edges: this.edges };
  }

  private freshId(stem: string): NodeId {
    const clean =
      stem
        .toLowerCase()
        .replace(/[^a-z0-9_.]+/g, '_')
        .replace(/^_|_$/g, '') || 'n';
    const count = (this.stems.get(clean) ?? 0) + 1;
    this.stems.set(clean, count);
    return `node:${count === 1 ? clean : `${clean}_${count}`}`;
  }

  /** Depth = longest path from a source; nodes of one depth stack in a column. */
  private layout(): void {
    const depth = new Map<NodeId, number>(this.nodes.map((n) => [n.id, 0]));
    // relax until no edge lengthens a path (at most one round per node)
    for (let changed = true, guard = 0; changed && guard < this.nodes.length; guard++) {
      changed = false;
      for (const e of this.edges) {
        const d = (depth.get(e.from.node) ?? 0) + 1;
        if (d > (depth.get(e.to.node) ?? 0)) {
          depth.set(e.to.node, d);
          changed = true;
        }
      }
    }
    const columns = new Map<number, GraphNode[]>();
    for (const n of this.nodes) {
      const d = depth.get(n.id) ?? 0;
      columns.set(d, [...(columns.get(d) ?? []), n]);
    }
    const height = (n: GraphNode) => {
      const def = this.catalog.get(n.type);
      return LAYOUT.header + LAYOUT.port * Math.max(1, def?.inputs.length ?? 1, def?.outputs.length ?? 1);
    };
    const columnHeight = (c: GraphNode[]) => c.reduce((h, n) => h + height(n) + LAYOUT.gap, 0);
    const band = Math.max(...[...columns.values()].map(columnHeight)) + LAYOUT.bandGap;
    const perBand = bandWidth(columns.size, band);
    for (const [d, column] of columns) {
      let y = Math.floor(d / perBand) * band;
      for (const n of column) {
        n.position = { x: (d % perBand) * LAYOUT.column, y };
        y += height(n) + LAYOUT.gap;
      }
    }
  }
}

/** Columns per band: the first count from LAYOUT.columns up whose drawing is at least LAYOUT.wideAs wide as tall. */
function bandWidth(depths: number, band: number): number {
  for (let c = LAYOUT.columns; c < depths; c++) {
    if ((c * LAYOUT.column) / (Math.ceil(depths / c) * band) >= LAYOUT.wideAs) return c;
  }
  return Math.max(LAYOUT.columns, depths);
}
