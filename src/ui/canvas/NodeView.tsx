/** One node on the canvas: header, a line of key params, its ports; coloured by status. */
import { createMemo, For, Show } from 'solid-js';
import type { NodeId } from '../../graph/index.ts';
import type { PortDef } from '../../nodes/index.ts';
import { titleOf } from '../state/actions.ts';
import { handleKey } from '../state/compat.ts';
import type { Editor } from '../state/editor.ts';
import { valueText } from '../state/format.ts';
import { NODE_WIDTH, nodeHeight } from './geometry.ts';

export interface Wiring {
  /** handleKey strings of the ports a wire in progress may end on, or null when none is */
  accepting(): Set<string> | null;
  /** the port under the wire's loose end */
  hovered(): string | null;
  /** a port picked with the keyboard, waiting for its other end */
  picked(): string | null;
  pick(node: NodeId, port: PortDef, side: 'in' | 'out'): void;
}

/** Up to three params as `name value`, names cut to their first word (in_features → in). */
export function paramLine(params: Record<string, unknown>): string {
  return Object.entries(params)
    .slice(0, 3)
    .map(([k, v]) => `${k.split('_')[0]} ${valueText(v)}`)
    .join(' · ');
}

/** A stable hue per palette group, for the node's colour strip. */
export function groupHue(group: string): number {
  let h = 0;
  for (const c of group) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

const statusWords: Record<string, string> = {
  ok: 'ok',
  warning: 'has a warning',
  error: 'has an error',
  blocked: 'blocked by an upstream error',
  incomplete: 'has unconnected inputs',
};

export function NodeView(props: {
  editor: Editor;
  id: NodeId;
  wiring: Wiring;
  /** open a composite (double-click, or Enter on the focused node) */
  onOpen?: (id: NodeId) => void;
}) {
  const { editor } = props;
  // the record only changes when this node does: other nodes' moves leave this view alone
  const node = createMemo(() => editor.node(props.id));
  const info = () => editor.info(props.id);
  const ports = () => editor.ports(props.id);
  const status = () => info()?.status ?? 'ok';
  const selected = () => editor.selection().has(props.id);
  const problem = createMemo(() =>
    info()?.diagnostics.find((d) => d.severity === 'error' || d.severity === 'warning'),
  );
  const transform = () => {
    const p = node()?.position ?? { x: 0, y: 0 };
    return `translate(${p.x}px, ${p.y}px)`;
  };

  const portClass = (side: 'in' | 'out', p: PortDef) => {
    const key = handleKey({ node: props.id, port: p.name, side });
    const accepting = props.wiring.accepting();
    return {
      port: true,
      [`port-${side}`]: true,
      [`kind-${p.kind}`]: true,
      dim: !!accepting && !accepting.has(key) && props.wiring.picked() !== key,
      accept: !!accepting?.has(key),
      hover: props.wiring.hovered() === key,
      picked: props.wiring.picked() === key,
    };
  };

  const Port = (pp: { side: 'in' | 'out'; port: PortDef }) => (
    <div class={`port-row port-row-${pp.side}`}>
      <button
        type="button"
        classList={portClass(pp.side, pp.port)}
        data-port-node={props.id}
        data-port-name={pp.port.name}
        data-port-side={pp.side}
        aria-label={`${pp.side === 'in' ? 'input' : 'output'} ${pp.port.name} (${pp.port.kind}) of ${node() ? titleOf(node()!) : ''}`}
        title={pp.port.doc ?? `${pp.port.name} (${pp.port.kind})`}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            e.stopPropagation();
            props.wiring.pick(props.id, pp.port, pp.side);
          }
        }}
      />
      <span class="port-name">{pp.port.name}</span>
    </div>
  );

  return (
    <Show when={node()}>
      {(n) => (
        // a fieldset: a node is a captioned group of controls (its ports, its badge)
        <fieldset
          class={`node status-${status()}`}
          classList={{ selected: selected(), composite: !!n().subgraph }}
          style={{
            transform: transform(),
            width: `${NODE_WIDTH}px`,
            height: `${nodeHeight(ports())}px`,
            '--group-hue': String(groupHue(editor.catalog.get(n().type)?.group ?? 'composite')),
          }}
          data-node-id={props.id}
          data-node-type={n().type}
          tabindex="0"
          aria-label={`${titleOf(n())} node (${n().type}), ${statusWords[status()] ?? status()}${selected() ? ', selected' : ''}`}
          onFocus={() => {
            if (!selected()) editor.setSelection([props.id]);
          }}
          onDblClick={(e) => {
            if (!n().subgraph || (e.target as Element).closest('button')) return;
            props.onOpen?.(props.id);
          }}
          onKeyDown={(e) => {
            if (e.key !== 'Enter' || e.target !== e.currentTarget || !n().subgraph) return;
            e.preventDefault();
            props.onOpen?.(props.id);
          }}
        >
          <div class="node-header">
            <span class="node-title">{titleOf(n())}</span>
            <Show when={n().label !== undefined}>
              <span class="node-type">{n().type}</span>
            </Show>
            <Show when={problem()}>
              {(d) => (
                <button
                  type="button"
                  class={`badge badge-${d().severity}`}
                  aria-label={`Show ${d().severity} on ${titleOf(n())}`}
                  title={d().message}
                  onPointerDown={(e) => e.stopPropagation()}
                  onClick={(e) => {
                    e.stopPropagation();
                    editor.setOpenIssue({ nodeId: props.id, edgeId: d().edgeId });
                  }}
                >
                  {d().severity === 'error' ? '!' : '⚠'}
                </button>
              )}
            </Show>
          </div>
          <div class="node-summary" title={paramLine(n().params)}>
            <Show when={n().subgraph} fallback={paramLine(n().params) || '\u00a0'}>
              {(sub) => (
                <>
                  {sub().nodes.length} nodes inside
                  <button
                    type="button"
                    class="node-open"
                    aria-label={`Open ${titleOf(n())}`}
                    title="Open (double-click, or Enter on the node)"
                    onPointerDown={(e) => e.stopPropagation()}
                    onClick={() => props.onOpen?.(props.id)}
                  >
                    open ⤢
                  </button>
                </>
              )}
            </Show>
          </div>
          <div class="node-ports">
            <div class="ports-in">
              <For each={ports()?.inputs ?? []}>{(p) => <Port side="in" port={p} />}</For>
            </div>
            <div class="ports-out">
              <For each={ports()?.outputs ?? []}>{(p) => <Port side="out" port={p} />}</For>
            </div>
          </div>
        </fieldset>
      )}
    </Show>
  );
}
