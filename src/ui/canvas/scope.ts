/**
 * Opening a composite: the canvas and inspector then work on its inner graph through an Editor
 * scoped to it. Reads come from the composite's subgraph (inner shapes inferred with the types
 * its inputs get outside); every edit is wrapped in `editInside` edits of the whole document,
 * so it is one undoable transaction like any other. Selection, viewport, history and messages
 * stay the editor's own.
 */
import { type Accessor, createComputed, createMemo, createRoot, createSignal, untrack } from 'solid-js';
import {
  COMPOSITE_TYPE,
  type Diagnostic,
  type EdgeId,
  type Edit,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  inferShapes,
  type NodeId,
  type NodeInference,
  portsOf,
} from '../../graph/index.ts';
import type { PortDef } from '../../nodes/index.ts';
import { titleOf } from '../state/actions.ts';
import { type Editor, issuesByEdge, type OpenIssue } from '../state/editor.ts';
import type { Ports } from './geometry.ts';

/** Outer inputs enter the inner graph through stand-in Input nodes with these ids. */
const STAND_IN = 'node:outside-';

/** The edits that apply `edits` inside the composite at `path` (outermost first). */
export function editsInside(path: readonly NodeId[], edits: readonly Edit[]): Edit[] {
  return path.reduceRight<Edit[]>((inner, id) => [{ kind: 'editInside', id, edits: inner }], [...edits]);
}

/** The composite node at the end of `path`, or null when the path no longer leads to one. */
export function compositeAt(nodes: readonly GraphNode[], path: readonly NodeId[]): GraphNode | null {
  let node: GraphNode | undefined;
  let level = nodes;
  for (const id of path) {
    node = level.find((n) => n.id === id);
    if (node?.type !== COMPOSITE_TYPE || !node.subgraph) return null;
    level = node.subgraph.nodes;
  }
  return node ?? null;
}

const sameList = <T>(a: readonly T[], b: readonly T[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The inner graph's inference: the subgraph plus one stand-in Input per exposed input,
 * carrying the type the composite gets on that input outside.
 */
function innerInference(node: GraphNode, outside: NodeInference | undefined, editor: Editor) {
  const sub = node.subgraph as NonNullable<GraphNode['subgraph']>;
  const standIns: GraphNode[] = [];
  const edges: GraphEdge[] = [...sub.edges];
  sub.inputs.forEach((p, i) => {
    const type = outside?.inputs[p.name];
    if (!type) return;
    const id = `${STAND_IN}${i}` as NodeId;
    standIns.push({
      id,
      type: 'Input',
      params: { shape: [...type.dims], dtype: type.dtype },
      position: { x: 0, y: 0 },
    });
    edges.push({ id: `edge:outside-${i}` as EdgeId, from: { node: id, port: 'output' }, to: p });
  });
  const result = inferShapes({ nodes: [...standIns, ...sub.nodes], edges }, editor.catalog);
  const diagnostics = result.diagnostics.filter((d) => !d.nodeId.startsWith(STAND_IN));
  return { nodes: result.nodes, diagnostics };
}

/**
 * The node on screen that stands for `planNode`, a node as the compiled plan names it (an inner
 * node of a composite as `<composite>/<inner>`, nested likewise) while the composites `open`
 * are open: the node itself, the closed composite holding it, or null when it lies outside
 * the open composite.
 */
export function nodeShownFor(planNode: string, open: readonly NodeId[]): NodeId | null {
  const parts = planNode.split('/');
  if (parts.length <= open.length || open.some((id, i) => parts[i] !== id)) return null;
  return parts[open.length] as NodeId;
}

/**
 * A node the compiled plan names (`<composite>/<inner>` inside composites) as people read it:
 * the titles along its path, `Block › ReLU`; an id no longer in the document keeps its id.
 */
export function planNodeTitle(nodes: readonly GraphNode[], planNode: string): string {
  const titles: string[] = [];
  let level: readonly GraphNode[] | undefined = nodes;
  for (const id of planNode.split('/')) {
    const node: GraphNode | undefined = level?.find((n) => n.id === id);
    titles.push(node ? titleOf(node) : id.replace(/^node:/, ''));
    level = node?.subgraph?.nodes;
  }
  return titles.join(' › ');
}

/** An Editor over the inner graph of the composite at `path` (the root editor for an empty path). */
export function scopedEditor(root: Editor, path: readonly NodeId[]): Editor {
  if (path.length === 0) return root;
  const parent = scopedEditor(root, path.slice(0, -1));
  const id = path[path.length - 1];
  const composite = createMemo(() => {
    const n = parent.node(id);
    return n?.type === COMPOSITE_TYPE && n.subgraph ? n : null;
  });
  const doc = createMemo(
    (): GraphDocument => ({
      ...root.doc(),
      nodes: composite()?.subgraph?.nodes ?? [],
      edges: composite()?.subgraph?.edges ?? [],
    }),
  );
  const nodes = createMemo(() => new Map(doc().nodes.map((n) => [n.id, n])));
  const edges = createMemo(() => new Map(doc().edges.map((e) => [e.id, e])));
  const nodeIds = createMemo(() => doc().nodes.map((n) => n.id), [], { equals: sameList });
  const edgeIds = createMemo(() => doc().edges.map((e) => e.id), [], { equals: sameList });
  const inference = createMemo(() => {
    const n = composite();
    return n ? innerInference(n, parent.info(id), root) : null;
  });
  const diagnostics = createMemo<Diagnostic[]>(() => inference()?.diagnostics ?? []);
  const edgeIssues = createMemo(() => issuesByEdge(diagnostics()));
  const portCache = new WeakMap<GraphNode, Ports | null>();
  const ports = (nodeId: NodeId): Ports | null => {
    const n = nodes().get(nodeId);
    if (!n) return null;
    if (!portCache.has(n))
      portCache.set(n, portsOf(n, root.catalog) as { inputs: PortDef[]; outputs: PortDef[] });
    return portCache.get(n) ?? null;
  };
  // selection, the selected edge and the open issue are this level's own: the editor prunes its
  // own to the top-level document after every transaction, which would drop inner ids
  const [selection, setSelection] = createSignal<ReadonlySet<NodeId>>(new Set());
  const [selectedEdge, setSelectedEdge] = createSignal<EdgeId | null>(null);
  const [openIssue, setOpenIssue] = createSignal<OpenIssue | null>(null);
  createComputed(() => {
    const here = nodes();
    const sel = untrack(selection);
    if ([...sel].some((n) => !here.has(n))) setSelection(new Set([...sel].filter((n) => here.has(n))));
    const edge = untrack(selectedEdge);
    if (edge && !edges().has(edge)) setSelectedEdge(null);
    const issue = untrack(openIssue);
    if (issue && !here.has(issue.nodeId)) setOpenIssue(null);
  });
  const scoped: Editor = {
    ...root,
    selection,
    setSelection: (ids) => setSelection(new Set(ids)),
    selectedEdge,
    setSelectedEdge,
    openIssue,
    setOpenIssue,
    doc,
    nodeIds,
    edgeIds,
    node: (nodeId) => nodes().get(nodeId),
    edge: (edgeId) => edges().get(edgeId),
    ports,
    info: (nodeId) => inference()?.nodes.get(nodeId),
    diagnostics,
    edgeIssues,
    apply: (edits, options) =>
      root.apply(editsInside(path, Array.isArray(edits) ? edits : [edits as Edit]), options),
  };
  scopePaths.set(scoped, [...path]);
  return scoped;
}

/** Where each scoped editor stands: the composites open above its graph. */
const scopePaths = new WeakMap<Editor, readonly NodeId[]>();

/**
 * A node of `editor`'s graph as the graph layer and the compiled plan name it: its id at the
 * top level, `<composite>/<inner>` inside (nested likewise).
 */
export function pathInside(editor: Editor, id: NodeId): string {
  const path = scopePaths.get(editor);
  return path?.length ? `${path.join('/')}/${id}` : id;
}

export interface Scope {
  /** the composites opened, outermost first ([] = the top-level graph) */
  path: Accessor<NodeId[]>;
  /** the title of the graph, then of each opened composite */
  titles: Accessor<string[]>;
  /** the editor for the current level */
  view: Accessor<Editor>;
  open(id: NodeId): void;
  /** back out to `depth` levels (0 = the top-level graph) */
  exitTo(depth: number): void;
}

const scopes = new WeakMap<Editor, Scope>();

/** The editor's scope (one per editor, shared by the canvas, inspector and shortcuts). */
export function scopeOf(root: Editor): Scope {
  let scope = scopes.get(root);
  if (!scope) {
    // the scope lives as long as the editor: its own root, never disposed
    scope = createRoot(() => createScope(root));
    scopes.set(root, scope);
  }
  return scope;
}

function createScope(root: Editor): Scope {
  const [wanted, setPath] = createSignal<NodeId[]>([]);
  // an undo that removes the opened composite (or a load) backs out to where the path still leads
  const path = createMemo(
    () => {
      const p = wanted();
      const nodes = root.doc().nodes;
      let depth = p.length;
      while (depth > 0 && !compositeAt(nodes, p.slice(0, depth))) depth--;
      return p.slice(0, depth);
    },
    [],
    { equals: sameList },
  );
  const view = createMemo(() => scopedEditor(root, path()));
  const titles = createMemo(() => {
    const doc = root.doc();
    const p = path();
    const inner = p.map((_, i) => compositeAt(doc.nodes, p.slice(0, i + 1)));
    return [doc.meta.title || 'Graph', ...inner.map((n) => (n ? (n.label ?? n.type) : '…'))];
  });
  return {
    path,
    titles,
    view,
    open(id) {
      const here = view();
      if (here.node(id)?.type !== COMPOSITE_TYPE) return;
      here.setSelection([]);
      here.setSelectedEdge(null);
      here.setOpenIssue(null);
      setPath([...path(), id]);
    },
    exitTo(depth) {
      const left = path()[depth];
      setPath(path().slice(0, depth));
      // back out with the composite just left selected, so the way in is where the eye is
      const here = view();
      here.setOpenIssue(null);
      here.setSelectedEdge(null);
      here.setSelection(left ? [left] : []);
    },
  };
}
