/**
 * What is wrong with a node, next to it: the message (PyTorch's words), the explanation
 * (for broadcasting, the operands right-aligned with the offending dim marked) and one
 * button per fix. A fix is one undoable edit.
 */
import { createMemo, For, Match, Show, Switch } from 'solid-js';
import type { Diagnostic } from '../../graph/index.ts';
import type { BroadcastExplanation } from '../../nodes/index.ts';
import { titleOf } from '../state/actions.ts';
import type { Editor } from '../state/editor.ts';
import { NODE_WIDTH } from './geometry.ts';

export function BroadcastTable(props: { explanation: BroadcastExplanation }) {
  const e = () => props.explanation;
  const columns = () => Math.max(0, ...e().rows.map((r) => r.dims.length), e().result?.length ?? 0);
  const pad = (dims: readonly unknown[]) => [...new Array(columns() - dims.length).fill(null), ...dims];
  const rows = () => [
    ...e().rows.map((r) => ({ label: r.label, dims: pad(r.dims), result: false })),
    ...(e().result ? [{ label: '→', dims: pad(e().result ?? []), result: true }] : []),
  ];
  return (
    <table class="broadcast" aria-label="operand shapes aligned from the right">
      <tbody>
        <For each={rows()}>
          {(row) => (
            <tr classList={{ result: row.result }}>
              <th scope="row">{row.label}</th>
              <For each={row.dims}>
                {(d, i) => (
                  <td
                    classList={{ offending: i() === e().column, pad: d === null, sym: typeof d === 'string' }}
                  >
                    {d === null ? '' : String(d)}
                  </td>
                )}
              </For>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  );
}

/** The sentence under a broadcast table: the text's last line (the rest is the table). */
function broadcastSentence(e: BroadcastExplanation): string {
  const lines = e.text.split('\n');
  return lines[lines.length - 1] ?? '';
}

export function DiagnosticView(props: { editor: Editor; diagnostic: Diagnostic }) {
  const d = () => props.diagnostic;
  return (
    <div class={`diagnostic diagnostic-${d().severity}`}>
      <div class="diagnostic-head">
        <span class={`pill pill-${d().severity}`}>{d().severity}</span>
        <Show when={d().port}>
          <span class="muted">at input “{d().port}”</span>
        </Show>
        <span class="muted code">{d().code}</span>
      </div>
      <p class="diagnostic-message" data-testid="diagnostic-message">
        {d().message}
      </p>
      <Switch>
        <Match when={typeof d().explanation === 'string' && d().explanation}>
          {(text) => <p class="diagnostic-explanation">{text() as string}</p>}
        </Match>
        <Match when={typeof d().explanation === 'object' && d().explanation}>
          {(ex) => (
            <div class="diagnostic-explanation">
              <BroadcastTable explanation={ex() as BroadcastExplanation} />
              <p>{broadcastSentence(ex() as BroadcastExplanation)}</p>
            </div>
          )}
        </Match>
      </Switch>
      <Show when={d().fixes.length > 0}>
        <fieldset class="fixes" aria-label="fixes">
          <For each={d().fixes}>
            {(fix) => (
              <button
                type="button"
                class="fix"
                onClick={() => {
                  if (props.editor.apply(fix.edits, { label: fix.label })) props.editor.setOpenIssue(null);
                }}
              >
                {fix.label}
              </button>
            )}
          </For>
        </fieldset>
      </Show>
    </div>
  );
}

export function IssuePopover(props: { editor: Editor; bounds: () => { width: number; height: number } }) {
  const { editor } = props;
  const issue = () => editor.openIssue();
  const node = () => {
    const i = issue();
    return i ? editor.node(i.nodeId) : undefined;
  };
  const shown = createMemo(() => {
    const i = issue();
    if (!i) return [];
    return (editor.info(i.nodeId)?.diagnostics ?? []).filter((d) => d.severity !== 'info');
  });
  // right of the node when it fits in the canvas, else left of it; never above or below the canvas
  const place = () => {
    const n = node();
    const v = editor.viewport();
    if (!n) return {};
    const width = 360;
    const bounds = props.bounds();
    const room = bounds.width || Number.POSITIVE_INFINITY;
    const right = (n.position.x + NODE_WIDTH) * v.k + v.x + 16;
    const left = right + width > room ? Math.max(8, n.position.x * v.k + v.x - width - 16) : right;
    const top = Math.max(8, Math.min(n.position.y * v.k + v.y, (bounds.height || 1e9) - 260));
    return { left: `${left}px`, top: `${top}px` };
  };
  return (
    <Show when={node()}>
      {(n) => (
        <div
          class="popover"
          role="dialog"
          aria-label={`Problems of ${titleOf(n())}`}
          style={place()}
          onPointerDown={(e) => e.stopPropagation()}
        >
          <div class="popover-head">
            <strong>{titleOf(n())}</strong>
            <button type="button" class="icon" aria-label="Close" onClick={() => editor.setOpenIssue(null)}>
              ×
            </button>
          </div>
          <Show when={shown().length > 0} fallback={<p class="muted">No problems here any more.</p>}>
            <For each={shown()}>{(d) => <DiagnosticView editor={editor} diagnostic={d} />}</For>
          </Show>
        </div>
      )}
    </Show>
  );
}
