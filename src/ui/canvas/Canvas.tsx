/**
 * The canvas: a transformed world layer holding edges (SVG), nodes and edge labels (DOM).
 * Components only wire the framework-free controllers (pan/zoom, drag, connect) to the
 * editor's actions and render.
 */
import { createMemo, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import type { EdgeId, NodeId, Position } from '../../graph/index.ts';
import type { PortDef } from '../../nodes/index.ts';
import { createConnect, type PortHandle } from '../controllers/connect.ts';
import { createDrag } from '../controllers/drag.ts';
import { createPanZoom } from '../controllers/panzoom.ts';
import { connectPorts } from '../state/actions.ts';
import { acceptingPorts, canConnect, handleKey } from '../state/compat.ts';
import type { Editor } from '../state/editor.ts';
import { EdgeLabels, EdgePaths, EdgePreviews } from './EdgeView.tsx';
import {
  edgePath,
  intersects,
  NODE_WIDTH,
  nodeHeight,
  portPosition,
  type Rect,
  rectFromPoints,
} from './geometry.ts';
import { CULL_FROM_NODES, edgeVisible, nodeVisible, renderRegion } from './culling.ts';
import { IssuePopover } from './IssuePopover.tsx';
import { LiveToolbar } from './LiveToolbar.tsx';
import { Breadcrumb } from './Breadcrumb.tsx';
import { type Scope, scopeOf } from './scope.ts';
import { NodeView, type Wiring } from './NodeView.tsx';
import './canvas.css';

/** world px between grid dots */
const GRID = 24;
/** below this zoom, edge labels and port names are not drawn (11 px text would be under 5 px) */
const FAR_ZOOM = 0.45;

const sameIds = <T,>(a: readonly T[], b: readonly T[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

export interface CanvasApi {
  /** screen px (relative to the canvas) → world coordinates */
  toWorld(x: number, y: number): Position;
  size(): { width: number; height: number };
  /** the last pointer position over the canvas, in world coordinates */
  pointerWorld(): Position | null;
}

export interface CanvasProps {
  editor: Editor;
  onReady?: (api: CanvasApi) => void;
  onDropType?: (type: string, at: Position) => void;
  onDropFile?: (file: File) => void;
}

/** The canvas of the level open now: the graph, or a composite's inner graph (remounted per level). */
export function Canvas(props: CanvasProps) {
  const scope = scopeOf(props.editor);
  return (
    <Show when={scope.view()} keyed>
      {(view) => <CanvasLevel {...props} editor={view} scope={scope} />}
    </Show>
  );
}

function CanvasLevel(props: CanvasProps & { scope: Scope }) {
  const { editor } = props;
  let viewportEl!: HTMLDivElement;
  let worldEl!: HTMLDivElement;
  const [panMode, setPanMode] = createSignal(false);
  const [box, setBox] = createSignal<Rect | null>(null);
  const [wire, setWire] = createSignal<{ from: PortHandle; to: Position } | null>(null);
  const [accepting, setAccepting] = createSignal<Set<string> | null>(null);
  const [hovered, setHovered] = createSignal<string | null>(null);
  const [picked, setPicked] = createSignal<PortHandle | null>(null);
  const [dropping, setDropping] = createSignal(false);
  const [dragging, setDragging] = createSignal(false);
  let pointer: Position | null = null;

  // the canvas's box, measured when it changes (resize), never in the pointermove path
  const [size, setSize] = createSignal({ width: 0, height: 0 });
  let box0: DOMRect | null = null;
  const local = (clientX: number, clientY: number) => {
    box0 ??= viewportEl.getBoundingClientRect();
    return { x: clientX - box0.left, y: clientY - box0.top };
  };

  // what is near the view is rendered; selected nodes always are (a drag may take them far)
  const region = createMemo(
    () => (editor.nodeIds().length < CULL_FROM_NODES ? null : renderRegion(editor.viewport(), size())),
    null,
    {
      equals: (a, b) =>
        !!a && !!b && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height,
    },
  );
  const placed = (id: NodeId) => {
    const n = editor.node(id);
    return n ? { position: n.position, height: nodeHeight(editor.ports(id)) } : null;
  };
  const visibleNodeIds = createMemo(
    () => {
      const r = region();
      if (!r) return editor.nodeIds();
      const selected = editor.selection();
      return editor.nodeIds().filter((id) => {
        const p = placed(id);
        return selected.has(id) || (!!p && nodeVisible(r, p.position, p.height));
      });
    },
    [],
    { equals: sameIds },
  );
  const visibleEdgeIds = createMemo(
    () => {
      const r = region();
      if (!r) return editor.edgeIds();
      return editor.edgeIds().filter((id) => {
        const e = editor.edge(id);
        const from = e && placed(e.from.node);
        const to = e && placed(e.to.node);
        return !!from && !!to && edgeVisible(r, from, to);
      });
    },
    [],
    { equals: sameIds },
  );
  // while nodes are dragged, the edges they carry are drawn in a layer of their own: the
  // frames repaint those few paths, not the whole graph's
  const draggedEdge = (id: EdgeId) => {
    const e = editor.edge(id);
    const selected = editor.selection();
    return !!e && (selected.has(e.from.node) || selected.has(e.to.node));
  };
  const movingEdgeIds = createMemo(() => (dragging() ? visibleEdgeIds().filter(draggedEdge) : []), [], {
    equals: sameIds,
  });
  const stillEdgeIds = createMemo(
    () => (dragging() ? visibleEdgeIds().filter((id) => !draggedEdge(id)) : visibleEdgeIds()),
    [],
    { equals: sameIds },
  );
  // far out, text is too small to read: labels and port names go (less to paint per frame)
  const far = () => editor.viewport().k < FAR_ZOOM;
  const toWorld = (x: number, y: number): Position => {
    const v = editor.viewport();
    return { x: (x - v.x) / v.k, y: (y - v.y) / v.k };
  };
  const handlePosition = (h: PortHandle): Position | null => {
    const node = editor.node(h.node as NodeId);
    const ports = editor.ports(h.node as NodeId);
    if (!node || !ports) return null;
    const list = h.side === 'in' ? ports.inputs : ports.outputs;
    return portPosition(
      node,
      h.side,
      Math.max(
        0,
        list.findIndex((p) => p.name === h.port),
      ),
    );
  };

  const wiring: Wiring = {
    accepting,
    hovered,
    picked: () => {
      const p = picked();
      return p && handleKey(p);
    },
    // keyboard wiring: Enter on one port, then Enter on a port that accepts it
    pick(node: NodeId, port: PortDef, side: 'in' | 'out') {
      const handle: PortHandle = { node, port: port.name, side };
      const first = picked();
      if (first && handleKey(first) !== handleKey(handle)) {
        if (canConnect(editor, first, handle)) connectPorts(editor, first, handle);
        else editor.notify('info', `${first.port} cannot connect to ${port.name}`);
        setPicked(null);
        setAccepting(null);
        return;
      }
      if (first) {
        setPicked(null);
        setAccepting(null);
        return;
      }
      setPicked(handle);
      setAccepting(acceptingPorts(editor, handle));
    },
  };

  onMount(() => {
    const panZoom = createPanZoom(viewportEl, {
      getViewport: editor.viewport,
      onChange: editor.setViewport,
      onPanMode: setPanMode,
    });

    // drag nodes (all selected ones move together; one undo step per drag)
    let dragCount = 0;
    let frame = 0;
    const nodeDrag = createDrag<{
      start: Map<NodeId, Position>;
      key: string;
      clicked: NodeId;
      toggle: boolean;
    }>(worldEl, {
      start(e) {
        const el = (e.target as Element).closest('[data-node-id]');
        if (!el || (e.target as Element).closest('button, input, select')) return null;
        const id = el.getAttribute('data-node-id') as NodeId;
        const sel = editor.selection();
        let toggle = false;
        if (e.shiftKey) {
          if (sel.has(id)) toggle = true;
          else editor.setSelection([...sel, id]);
        } else if (!sel.has(id)) editor.setSelection([id]);
        editor.setSelectedEdge(null);
        const start = new Map<NodeId, Position>();
        for (const s of editor.selection()) {
          const n = editor.node(s);
          if (n) start.set(s, n.position);
        }
        return { start, key: `drag-${++dragCount}`, clicked: id, toggle };
      },
      move(state, m) {
        const k = editor.viewport().k;
        if (!dragging()) setDragging(true);
        cancelAnimationFrame(frame);
        // one transaction per frame, not per pointer event
        frame = requestAnimationFrame(() => {
          const edits = [...state.start].map(([id, p]) => ({
            kind: 'move' as const,
            id,
            position: { x: Math.round(p.x + m.dx / k), y: Math.round(p.y + m.dy / k) },
          }));
          editor.apply(edits, {
            label: edits.length > 1 ? `Move ${edits.length} nodes` : 'Move',
            coalesce: state.key,
          });
        });
      },
      end(state, moved) {
        setDragging(false);
        if (!moved && state.toggle)
          editor.setSelection([...editor.selection()].filter((id) => id !== state.clicked));
        if (moved) {
          // let the last frame's move land in the same undo step
          requestAnimationFrame(() => requestAnimationFrame(() => editor.store.endGesture()));
        }
      },
    });

    // box selection on the background (shift adds to the selection)
    // (a click on an edge's curve selects the edge; keyboard users reach it by its label, a button)
    const boxSelect = createDrag<{
      origin: Position;
      additive: boolean;
      before: Set<NodeId>;
      edge: EdgeId | null;
    }>(viewportEl, {
      start(e) {
        const t = e.target as Element;
        if (t.closest('[data-node-id], .edge-label, .popover, button, input')) return null;
        return {
          origin: local(e.clientX, e.clientY),
          additive: e.shiftKey,
          before: new Set(editor.selection()),
          edge: (t.closest('[data-edge-id]')?.getAttribute('data-edge-id') as EdgeId | null) ?? null,
        };
      },
      move(state, m) {
        const rect = rectFromPoints(state.origin, local(m.event.clientX, m.event.clientY));
        setBox(rect);
        const a = toWorld(rect.x, rect.y);
        const b = toWorld(rect.x + rect.width, rect.y + rect.height);
        const world = rectFromPoints(a, b);
        const hit = editor.nodeIds().filter((id) => {
          const n = editor.node(id);
          return (
            n &&
            intersects(world, {
              x: n.position.x,
              y: n.position.y,
              width: NODE_WIDTH,
              height: nodeHeight(editor.ports(id)),
            })
          );
        });
        editor.setSelection(state.additive ? [...state.before, ...hit] : hit);
      },
      end(state, moved) {
        setBox(null);
        if (moved) return;
        editor.setSelection([]);
        editor.setSelectedEdge(state.edge);
        const issue = state.edge && editor.edgeIssues().get(state.edge);
        editor.setOpenIssue(issue && state.edge ? { nodeId: issue.nodeId, edgeId: state.edge } : null);
      },
    });

    const connect = createConnect(worldEl, {
      begin(from) {
        if (panZoom.isPanning()) return false;
        setPicked(null);
        setAccepting(acceptingPorts(editor, from));
        return true;
      },
      preview(from, client, target) {
        const p = local(client.x, client.y);
        setWire({ from, to: toWorld(p.x, p.y) });
        setHovered(target ? handleKey(target) : null);
      },
      canConnect: (from, to) => canConnect(editor, from, to),
      connect(from, to) {
        setWire(null);
        setAccepting(null);
        setHovered(null);
        connectPorts(editor, from, to);
      },
      cancel() {
        setWire(null);
        setAccepting(null);
        setHovered(null);
      },
    });

    const measure = () => {
      box0 = null;
      setSize({ width: viewportEl.clientWidth, height: viewportEl.clientHeight });
    };
    measure();
    const resizes = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(measure);
    resizes?.observe(viewportEl);
    window.addEventListener('resize', measure);
    window.addEventListener('scroll', measure, true);

    const onPointerMove = (e: PointerEvent) => {
      const p = local(e.clientX, e.clientY);
      pointer = toWorld(p.x, p.y);
    };
    viewportEl.addEventListener('pointermove', onPointerMove);

    props.onReady?.({
      toWorld,
      size: () => ({ width: viewportEl.clientWidth, height: viewportEl.clientHeight }),
      pointerWorld: () => pointer,
    });

    onCleanup(() => {
      resizes?.disconnect();
      window.removeEventListener('resize', measure);
      window.removeEventListener('scroll', measure, true);
      cancelAnimationFrame(frame);
      viewportEl.removeEventListener('pointermove', onPointerMove);
      panZoom.destroy();
      nodeDrag.destroy();
      boxSelect.destroy();
      connect.destroy();
    });
  });

  const wirePath = () => {
    const w = wire();
    if (!w) return null;
    const start = handlePosition(w.from);
    if (!start) return null;
    return w.from.side === 'out' ? edgePath(start, w.to).d : edgePath(w.to, start).d;
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDropping(false);
    const p = local(e.clientX, e.clientY);
    const type = e.dataTransfer?.getData('application/x-shapeflow-node');
    if (type) return props.onDropType?.(type, toWorld(p.x - NODE_WIDTH / 2, p.y - 20));
    const file = e.dataTransfer?.files?.[0];
    if (file) props.onDropFile?.(file);
  };

  // the dot grid is its own layer, moved by a transform: panning repaints nothing
  const gridStyle = () => {
    const v = editor.viewport();
    const step = GRID * v.k;
    const mod = (a: number) => ((a % step) + step) % step;
    return { transform: `translate(${mod(v.x)}px, ${mod(v.y)}px)`, 'background-size': `${step}px ${step}px` };
  };

  const transform = () => {
    const v = editor.viewport();
    return `translate(${v.x}px, ${v.y}px) scale(${v.k})`;
  };

  return (
    <div
      ref={viewportEl}
      class="canvas"
      classList={{
        panning: panMode(),
        wiring: !!wire() || !!picked(),
        dropping: dropping(),
        far: far(),
        'dragging-nodes': dragging(),
      }}
      role="application"
      aria-label="Graph canvas"
      aria-roledescription="node graph editor"
      onDragOver={(e) => {
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={onDrop}
    >
      <div class="grid" style={gridStyle()} aria-hidden="true" />
      <div ref={worldEl} class="world" style={{ transform: transform() }}>
        <svg class="edges" width="1" height="1" aria-hidden="true">
          <EdgePaths editor={editor} ids={stillEdgeIds()} />
          <Show when={wirePath()}>{(d) => <path class="wire" d={d()} />}</Show>
        </svg>
        <Show when={movingEdgeIds().length > 0}>
          <svg class="edges moving" width="1" height="1" aria-hidden="true">
            <EdgePaths editor={editor} ids={movingEdgeIds()} />
          </svg>
        </Show>
        <For each={visibleNodeIds()}>
          {(id) => <NodeView editor={editor} id={id} wiring={wiring} onOpen={props.scope.open} />}
        </For>
        <div class="edge-labels">
          <EdgeLabels editor={editor} ids={visibleEdgeIds()} />
          <EdgePreviews editor={editor} ids={visibleEdgeIds()} />
        </div>
      </div>
      <Show when={box()}>
        {(b) => (
          <div
            class="box-select"
            style={{
              left: `${b().x}px`,
              top: `${b().y}px`,
              width: `${b().width}px`,
              height: `${b().height}px`,
            }}
          />
        )}
      </Show>
      <div class="canvas-bar">
        <LiveToolbar editor={editor} />
        <Breadcrumb scope={props.scope} />
      </div>
      <IssuePopover
        editor={editor}
        bounds={() => ({ width: viewportEl.clientWidth, height: viewportEl.clientHeight })}
      />
      <Show when={editor.nodeIds().length === 0}>
        <div class="empty-hint">
          <p>An empty graph.</p>
          <p>
            Type in the palette and press <kbd>Enter</kbd>, press <kbd>/</kbd> to add at the cursor, or drop a
            <code>.json</code> graph here.
          </p>
        </div>
      </Show>
    </div>
  );
}
