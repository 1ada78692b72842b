import type { AnyNodeDef, Catalog } from '../nodes/index.ts';
import type { Dim, TensorType } from '../nodes/types.ts';
import type { GraphDocument, GraphNode, NodeId } from './document.ts';
import { inferShapes } from './infer.ts';
import { evaluateDim } from './live.ts';

/** One row of a torchinfo-style summary: a node, its output shape, parameters and FLOPs. */
export interface SummaryRow {
  id: NodeId;
  /** the node's label, or its type */
  name: string;
  type: string;
  /** nesting depth: 0 for top-level nodes, 1 inside a composite, ... */
  depth: number;
  /** the first output's type, or null when unknown */
  output: TensorType | null;
  params: number;
  /** multiply-adds of one forward pass, where the node type knows them */
  flops: number | null;
}

export interface ModelSummary {
  rows: SummaryRow[];
  totalParams: number;
  totalFlops: number;
  errors: number;
  warnings: number;
}

/** A shape as the editor labels edges: `N×1×28×28`. */
export function formatShapeLabel(dims: readonly Dim[]): string {
  return dims.length === 0 ? 'scalar' : dims.join('×');
}

/**
 * The model summary the editor's panel and `shapeflow summary` show: every node in execution
 * order (composites followed by their inner nodes), with the types inference gives.
 */
export function summarize(doc: GraphDocument, catalog: Catalog): ModelSummary {
  const rows: SummaryRow[] = [];
  let errors = 0;
  let warnings = 0;
  const visit = (graph: Pick<GraphDocument, 'nodes' | 'edges'>, depth: number) => {
    const inference = inferShapes(graph, catalog);
    for (const d of inference.diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
    }
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const id of inference.order) {
      const node = byId.get(id);
      const info = inference.nodes.get(id);
      if (!node || !info) continue;
      const firstOutput = Object.values(info.outputs)[0] ?? null;
      rows.push({
        id,
        name: node.label ?? node.type,
        type: node.type,
        depth,
        output: firstOutput,
        params: info.paramCount,
        flops: flopsOf(node, Object.values(info.inputs), catalog),
      });
      if (node.subgraph) visit(node.subgraph, depth + 1);
    }
  };
  visit(doc, 0);
  const top = rows.filter((r) => r.depth === 0);
  return {
    rows,
    totalParams: top.reduce((n, r) => n + r.params, 0),
    totalFlops: rows.filter((r) => !rowsHaveChildren(rows, r)).reduce((n, r) => n + (r.flops ?? 0), 0),
    errors,
    warnings,
  };
}

function rowsHaveChildren(rows: SummaryRow[], row: SummaryRow): boolean {
  const i = rows.indexOf(row);
  return rows[i + 1] !== undefined && rows[i + 1].depth > row.depth;
}

function flopsOf(node: GraphNode, inputs: (TensorType | null)[], catalog: Catalog): number | null {
  const def = catalog.get(node.type);
  return def ? flopsPerSample(def, node.params, inputs) : null;
}

/** Types with every symbol sized 1, so FLOPs read per sample ('N*28' → 28). */
export function perSample(types: (TensorType | null)[]): (TensorType | null)[] {
  const ones = (d: string) =>
    Object.fromEntries((d.match(/[A-Za-z_][A-Za-z0-9_']*/g) ?? []).map((s) => [s, 1]));
  return types.map(
    (t) => t && { ...t, dims: t.dims.map((d) => (typeof d === 'number' ? d : evaluateDim(d, ones(d)))) },
  );
}

/**
 * A node's multiply-adds for one sample, as torchinfo reports them; null where the node type
 * does not say or its rule cannot size these inputs. Shared by the summary panel, the
 * inspector and `shapeflow summary`, so they always agree.
 */
export function flopsPerSample(
  def: AnyNodeDef,
  params: unknown,
  inputs: (TensorType | null)[],
): number | null {
  if (!def.flops) return null;
  try {
    const f = def.flops(perSample(inputs), params as never);
    return Number.isFinite(f) ? f : null;
  } catch {
    return null;
  }
}

const thousands = (n: number) => n.toLocaleString('en-US');

function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} K`;
  return String(n);
}

/** The summary as torchinfo prints it: a ruled table, then totals. */
export function formatSummary(s: ModelSummary): string {
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Mult-Adds/sample'];
  const body = s.rows.map((r) => [
    `${'  '.repeat(r.depth)}${r.name === r.type ? r.type : `${r.name} (${r.type})`}`,
    r.output ? formatShapeLabel(r.output.dims) : '?',
    r.params ? thousands(r.params) : '--',
    r.flops ? compact(r.flops) : '--',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ');
  const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
  const out = [rule('='), line(header), rule('='), ...body.map(line), rule('=')];
  out.push(`Total params: ${thousands(s.totalParams)}`);
  out.push(`Total mult-adds per sample: ${compact(s.totalFlops)}`);
  if (s.errors || s.warnings) out.push(`Shape check: ${s.errors} error(s), ${s.warnings} warning(s)`);
  out.push(rule('='));
  return out.join('\n');
}
