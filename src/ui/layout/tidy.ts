/**
 * Tidy: lay the graph out in a Web Worker and apply the positions as one undoable edit.
 * Loaded documents whose nodes carry no positions (all at the same spot) are tidied too.
 */
import type { Edit, GraphDocument, NodeId } from '../../graph/index.ts';
import { NODE_WIDTH, nodeHeight } from '../canvas/geometry.ts';
import type { Editor } from '../state/editor.ts';
import type { LayoutRequest, LayoutResult } from './elk.ts';

let worker: Worker | null = null;
let requestId = 0;
const pending = new Map<number, { resolve(r: LayoutResult): void; reject(e: Error): void }>();

function layoutWorker(): Worker | null {
  if (worker || typeof Worker === 'undefined') return worker;
  worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<{ id: number; result?: LayoutResult; error?: string }>) => {
    const p = pending.get(e.data.id);
    pending.delete(e.data.id);
    if (e.data.result) p?.resolve(e.data.result);
    else p?.reject(new Error(e.data.error ?? 'layout failed'));
  };
  return worker;
}

async function runLayout(request: LayoutRequest): Promise<LayoutResult> {
  const w = layoutWorker();
  if (!w) return (await import('./elk.ts')).computeLayout(request);
  const id = ++requestId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, request });
  });
}

export function layoutRequest(editor: Editor): LayoutRequest {
  const doc = editor.doc();
  return {
    nodes: doc.nodes.map((n) => {
      const ports = editor.ports(n.id);
      return {
        id: n.id,
        width: NODE_WIDTH,
        height: nodeHeight(ports),
        inputs: ports?.inputs.map((p) => p.name) ?? [],
        outputs: ports?.outputs.map((p) => p.name) ?? [],
      };
    }),
    edges: doc.edges.map((e) => ({ id: e.id, from: e.from, to: e.to })),
  };
}

/** Lays out the whole graph; the new positions are one undo step ("Tidy"). */
export async function tidy(editor: Editor): Promise<boolean> {
  const docBefore = editor.doc();
  let result: LayoutResult;
  try {
    result = await runLayout(layoutRequest(editor));
  } catch (e) {
    editor.notify('error', `Tidy failed: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
  // the graph changed while the worker ran: its answer is stale
  if (editor.doc() !== docBefore) return false;
  const edits: Edit[] = Object.entries(result)
    .filter(([id]) => editor.node(id as NodeId))
    .map(([id, position]) => ({
      kind: 'move',
      id: id as NodeId,
      position: { x: position.x + 40, y: position.y + 40 },
    }));
  return edits.length > 0 && editor.apply(edits, { label: 'Tidy' });
}

/** Whether a document looks unplaced: several nodes, all on one spot. */
export function needsLayout(doc: GraphDocument): boolean {
  if (doc.nodes.length < 2) return false;
  const first = doc.nodes[0].position;
  return doc.nodes.every((n) => n.position.x === first.x && n.position.y === first.y);
}
