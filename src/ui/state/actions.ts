/**
 * Editor actions: each one builds edits and sends them through `editor.apply` (one undo
 * step each). Shortcuts, menus, the palette and tests all call these.
 */
import {
  createNode,
  DOCUMENT_FORMAT,
  DOCUMENT_VERSION,
  type Edit,
  type GraphEdge,
  type GraphNode,
  type NodeId,
  newEdgeId,
  newNodeId,
  type Position,
  parseDocument,
} from '../../graph/index.ts';
import { intersects, NODE_WIDTH, nodeHeight } from '../canvas/geometry.ts';
import type { PortHandle } from '../controllers/connect.ts';
import { orient } from './compat.ts';
import type { Editor } from './editor.ts';

export const CLIPBOARD_FORMAT = 'shapeflow.clipboard';

/** Adds a node of `type` at a world position and selects it; returns its id. */
export function addNode(editor: Editor, type: string, position: Position): NodeId | null {
  if (!editor.catalog.has(type)) {
    editor.notify('error', `unknown node type '${type}'`);
    return null;
  }
  const node = createNode(editor.catalog, type, {
    position: { x: Math.round(position.x), y: Math.round(position.y) },
  });
  if (!editor.apply({ kind: 'addNode', node }, { label: `Add ${type}` })) return null;
  editor.setSelection([node.id]);
  return node.id;
}

/** The first spot at or below `at` where a new node overlaps none already there. */
export function freeSpot(editor: Editor, at: Position, height = 80): Position {
  const spot = { ...at };
  const overlaps = () =>
    editor.nodeIds().some((id) => {
      const n = editor.node(id);
      if (!n) return false;
      const h = nodeHeight(editor.ports(id));
      return intersects(
        { x: spot.x, y: spot.y, width: NODE_WIDTH, height },
        { x: n.position.x, y: n.position.y, width: NODE_WIDTH, height: h },
      );
    });
  for (let i = 0; i < 50 && overlaps(); i++) spot.y += 40;
  return spot;
}

/** Where a node added from the palette goes: right of the selected node, else the view's centre. */
export function placementFor(editor: Editor, viewSize: { width: number; height: number }): Position {
  const [only] = editor.selection();
  const anchor = editor.selection().size === 1 && only ? editor.node(only) : undefined;
  if (anchor) return freeSpot(editor, { x: anchor.position.x + NODE_WIDTH + 64, y: anchor.position.y });
  const v = editor.viewport();
  return freeSpot(editor, {
    x: (viewSize.width / 2 - v.x) / v.k - NODE_WIDTH / 2,
    y: (viewSize.height / 2 - v.y) / v.k - 40,
  });
}

export function connectPorts(editor: Editor, a: PortHandle, b: PortHandle): boolean {
  const pair = orient(a, b);
  if (!pair) return false;
  const edge: GraphEdge = {
    id: newEdgeId(),
    from: { node: pair.out.node as NodeId, port: pair.out.port },
    to: { node: pair.in.node as NodeId, port: pair.in.port },
  };
  return editor.apply({ kind: 'connect', edge }, { label: 'Connect' });
}

export function deleteSelection(editor: Editor): void {
  const edge = editor.selectedEdge();
  const ids = [...editor.selection()];
  const edits: Edit[] = ids.map((id) => ({ kind: 'removeNode', id }));
  if (edge && !ids.length) edits.push({ kind: 'disconnect', id: edge });
  if (!edits.length) return;
  editor.apply(edits, {
    label: ids.length ? `Delete ${ids.length} node${ids.length > 1 ? 's' : ''}` : 'Delete edge',
  });
}

export function selectAll(editor: Editor): void {
  editor.setSelection(editor.nodeIds());
}

/** The selected nodes and the edges among them, as clipboard JSON text. */
export function copySelection(editor: Editor): string | null {
  const ids = editor.selection();
  if (!ids.size) return null;
  const nodes = editor.doc().nodes.filter((n) => ids.has(n.id));
  const edges = editor.doc().edges.filter((e) => ids.has(e.from.node) && ids.has(e.to.node));
  return JSON.stringify({ format: CLIPBOARD_FORMAT, nodes, edges });
}

/**
 * Pastes clipboard text (ours, or a whole graph document). The text is untrusted: it is
 * checked by the same loader as files before anything is added.
 */
export function pasteText(editor: Editor, text: string, offset: Position = { x: 40, y: 40 }): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    editor.notify('error', 'The clipboard does not hold Shapeflow nodes (not JSON).');
    return false;
  }
  const raw = (value ?? {}) as { format?: unknown; nodes?: unknown; edges?: unknown };
  const asDoc =
    raw.format === CLIPBOARD_FORMAT
      ? { format: DOCUMENT_FORMAT, version: DOCUMENT_VERSION, nodes: raw.nodes, edges: raw.edges }
      : value;
  const parsed = parseDocument(asDoc, editor.catalog);
  if (!parsed.ok) {
    editor.notify(
      'error',
      'The clipboard does not hold valid Shapeflow nodes.',
      parsed.errors.map((e) => `${e.path}: ${e.message}`),
    );
    return false;
  }
  if (!parsed.doc.nodes.length) return false;
  const before = new Set(editor.nodeIds());
  if (
    !editor.apply(
      { kind: 'paste', nodes: parsed.doc.nodes, edges: parsed.doc.edges, offset },
      { label: 'Paste' },
    )
  )
    return false;
  editor.setSelection(editor.nodeIds().filter((id) => !before.has(id)));
  return true;
}

export function duplicateSelection(editor: Editor): void {
  const text = copySelection(editor);
  if (text) pasteText(editor, text, { x: 32, y: 32 });
}

export function groupSelection(editor: Editor): void {
  const ids = [...editor.selection()];
  if (ids.length < 1) {
    editor.notify('info', 'Select the nodes to group first.');
    return;
  }
  const compositeId = newNodeId('group');
  if (
    editor.apply({ kind: 'group', ids, compositeId, label: 'Group' }, { label: `Group ${ids.length} nodes` })
  ) {
    editor.setSelection([compositeId]);
  }
}

export function ungroupSelection(editor: Editor): void {
  const composites = [...editor.selection()].filter((id) => editor.node(id)?.subgraph);
  if (!composites.length) {
    editor.notify('info', 'Select a group to ungroup.');
    return;
  }
  const inner = composites.flatMap((id) => (editor.node(id)?.subgraph?.nodes ?? []).map((n) => n.id));
  if (
    editor.apply(
      composites.map((id) => ({ kind: 'ungroup', id })),
      { label: 'Ungroup' },
    )
  )
    editor.setSelection(inner);
}

/** Moves the selected nodes by a world offset (arrow keys). */
export function nudgeSelection(editor: Editor, dx: number, dy: number): void {
  const edits: Edit[] = [];
  for (const id of editor.selection()) {
    const n = editor.node(id);
    if (n) edits.push({ kind: 'move', id, position: { x: n.position.x + dx, y: n.position.y + dy } });
  }
  if (edits.length) editor.apply(edits, { label: 'Move', coalesce: 'nudge' });
}

/** A node's title on screen: its label, else its type. */
export function titleOf(node: GraphNode): string {
  return node.label ?? node.type;
}
