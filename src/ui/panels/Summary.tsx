/** Model summary, torchinfo-style: each layer in run order, its output shape, params, FLOPs, then totals. */
import { createMemo, For, Show, untrack } from 'solid-js';
import type { NodeId } from '../../graph/index.ts';
import { flopsPerSample } from '../../graph/summary.ts';
import type { TensorType } from '../../nodes/index.ts';
import { ShapeText } from '../canvas/EdgeView.tsx';
import { titleOf } from '../state/actions.ts';
import type { Editor } from '../state/editor.ts';
import { formatCompact, formatCount } from '../state/format.ts';

interface Row {
  id: NodeId;
  layer: string;
  type: string;
  output: TensorType | null;
  params: number;
  flops: number | null;
  status: string;
}

/** One node's summary row (reads only that node's record and inference). */
export function summaryRow(editor: Editor, id: NodeId): Row {
  const node = editor.node(id);
  const info = editor.info(id);
  const ports = editor.ports(id);
  const def = node && editor.catalog.get(node.type);
  const first = ports?.outputs[0];
  const inputs = (ports?.inputs ?? []).map((p) => info?.inputs[p.name] ?? null);
  const flops =
    def && node && info && info.status !== 'error' && info.status !== 'blocked'
      ? flopsPerSample(def, node.params, inputs)
      : null;
  return {
    id,
    layer: node ? titleOf(node) : id,
    type: node?.type ?? '',
    output: first ? (info?.outputs[first.name] ?? null) : null,
    params: info?.paramCount ?? 0,
    flops,
    status: info?.status ?? 'ok',
  };
}

const sameRow = (a: Row, b: Row) =>
  a.layer === b.layer &&
  a.type === b.type &&
  a.output === b.output &&
  a.params === b.params &&
  a.flops === b.flops &&
  a.status === b.status;

export function Summary(props: { editor: Editor }) {
  const { editor } = props;
  // run order changes only when nodes or edges come and go; rows update in place otherwise
  const order = createMemo(
    () => {
      editor.doc();
      return [...editor.store.topologicalOrder];
    },
    [],
    { equals: (a, b) => a.length === b.length && a.every((x, i) => x === b[i]) },
  );
  // totals depend on params and inference, not positions: a drag does not recount them
  const inputs = createMemo(() => order().flatMap((id) => [editor.node(id)?.params, editor.info(id)]), [], {
    equals: (a, b) => a.length === b.length && a.every((x, i) => x === b[i]),
  });
  const rows = createMemo(() => {
    inputs();
    return untrack(() => order().map((id) => summaryRow(editor, id)));
  });
  const totalParams = () => rows().reduce((s, r) => s + r.params, 0);
  const totalFlops = () => rows().reduce((s, r) => s + (r.flops ?? 0), 0);
  const select = (id: NodeId) => editor.setSelection([id]);
  return (
    <section class="summary panel" aria-label="Model summary">
      <div class="panel-title">
        Model summary
        <span class="muted">
          {rows().length} layers · <span data-testid="total-params">{formatCount(totalParams())}</span> params
        </span>
      </div>
      <div class="summary-scroll">
        <table class="summary-table">
          <thead>
            <tr>
              <th scope="col">Layer (type)</th>
              <th scope="col">Output shape</th>
              <th scope="col" class="num">
                Params
              </th>
              <th scope="col" class="num">
                Mult-adds / sample
              </th>
            </tr>
          </thead>
          <tbody>
            <For each={order()}>
              {(id) => {
                const row = createMemo(() => summaryRow(editor, id), undefined, { equals: sameRow });
                return (
                  <tr
                    classList={{ selected: editor.selection().has(id), [`status-${row().status}`]: true }}
                    onClick={() => select(id)}
                  >
                    <td>
                      {row().layer}
                      <Show when={row().layer !== row().type}>
                        <span class="muted"> ({row().type})</span>
                      </Show>
                    </td>
                    <td class="shape">
                      <ShapeText type={row().output} />
                    </td>
                    <td class="num">{row().params ? formatCount(row().params) : '—'}</td>
                    <td class="num">{row().flops ? formatCompact(row().flops ?? 0) : '—'}</td>
                  </tr>
                );
              }}
            </For>
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td />
              <td class="num">{formatCount(totalParams())}</td>
              <td class="num">{totalFlops() ? formatCompact(totalFlops()) : '—'}</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}
