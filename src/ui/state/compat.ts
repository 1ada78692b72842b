/**
 * Which ports a wire may join: an output to an input of the same kind, on another node,
 * with the dtype the input asks for, and no cycle (except into a feedback input). The
 * canvas dims every port this says no to while a wire is being dragged.
 */
import type { DocumentIndex, NodeId } from '../../graph/index.ts';
import type { PortHandle } from '../controllers/connect.ts';
import type { Editor } from './editor.ts';

/** The (output, input) order of two handles, or null when both are on the same side. */
export function orient(a: PortHandle, b: PortHandle): { out: PortHandle; in: PortHandle } | null {
  if (a.side === b.side) return null;
  return a.side === 'out' ? { out: a, in: b } : { out: b, in: a };
}

function reaches(index: DocumentIndex, start: NodeId, target: NodeId): boolean {
  const seen = new Set<NodeId>([start]);
  const stack = [start];
  while (stack.length) {
    const at = stack.pop() as NodeId;
    if (at === target) return true;
    for (const e of index.outgoing.get(at) ?? []) {
      if (!seen.has(e.to.node)) {
        seen.add(e.to.node);
        stack.push(e.to.node);
      }
    }
  }
  return false;
}

export function canConnect(editor: Editor, a: PortHandle, b: PortHandle): boolean {
  const pair = orient(a, b);
  if (!pair || pair.out.node === pair.in.node) return false;
  const outNode = pair.out.node as NodeId;
  const inNode = pair.in.node as NodeId;
  const outPort = editor.ports(outNode)?.outputs.find((p) => p.name === pair.out.port);
  const inPort = editor.ports(inNode)?.inputs.find((p) => p.name === pair.in.port);
  if (!outPort || !inPort || outPort.kind !== inPort.kind) return false;
  const type = editor.info(outNode)?.outputs[outPort.name];
  if (inPort.dtype && type && type.dtype !== inPort.dtype) return false;
  return inPort.feedback === true || !reaches(editor.store.documentIndex, inNode, outNode);
}

export const handleKey = (h: PortHandle) => `${h.node}|${h.side}|${h.port}`;

/** Every port a wire from `from` may end on, as handleKey strings. */
export function acceptingPorts(editor: Editor, from: PortHandle): Set<string> {
  const ok = new Set<string>();
  const side = from.side === 'out' ? 'in' : 'out';
  for (const id of editor.nodeIds()) {
    const ports = editor.ports(id);
    for (const p of (side === 'in' ? ports?.inputs : ports?.outputs) ?? []) {
      const to: PortHandle = { node: id, port: p.name, side };
      if (canConnect(editor, from, to)) ok.add(handleKey(to));
    }
  }
  return ok;
}
