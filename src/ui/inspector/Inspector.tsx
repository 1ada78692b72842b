/**
 * The inspector: the selected node's doc and formula, its params as typed inputs, inferred
 * input and output shapes, parameter count and FLOPs, its problems with their fixes, and for
 * scheduler nodes the planned learning-rate curve.
 */
import { createMemo, For, Show } from 'solid-js';
import type { NodeId } from '../../graph/index.ts';
import type { ParamValue, TensorType } from '../../nodes/index.ts';
import { summarize } from '../../graph/stepper.ts';
import { ShapeText } from '../canvas/EdgeView.tsx';
import { liveViewOf } from '../canvas/live.ts';
import { scopeOf } from '../canvas/scope.ts';
import { TensorPreviewView } from '../canvas/TensorPreview.tsx';
import { TensorGrid } from '../stepper/TensorGrid.tsx';
import { DiagnosticView } from '../canvas/IssuePopover.tsx';
import { flopsPerSample } from '../../graph/summary.ts';
import { groupSelection, titleOf } from '../state/actions.ts';
import type { Editor } from '../state/editor.ts';
import { formatCompact, formatCount } from '../state/format.ts';
import { chainedConfigs, curvePoints, plannedLr } from './lrCurve.ts';
import { ParamField } from './ParamField.tsx';

function LrCurve(props: { values: number[] }) {
  const w = 240;
  const h = 80;
  const max = () => Math.max(...props.values);
  return (
    <figure class="lr-curve">
      <svg
        viewBox={`0 0 ${w} ${h}`}
        width={w}
        height={h}
        role="img"
        aria-label={`learning rate over ${props.values.length} steps, peak ${max().toPrecision(3)}`}
      >
        <polyline points={curvePoints(props.values, w, h)} />
      </svg>
      <figcaption>
        LR over {props.values.length} steps · peak {max().toPrecision(3)}
      </figcaption>
    </figure>
  );
}

/** Live mode: the node's outputs on the sample batch, in full (values grid) and in small. */
function LiveSection(props: { editor: Editor; id: NodeId }) {
  const live = liveViewOf(props.editor);
  const outputs = () => {
    const v = live.value(props.id);
    return v?.status === 'ok' ? Object.entries(v.outputs) : null;
  };
  const reason = () => {
    const v = live.value(props.id);
    return v?.status === 'unavailable' ? v.reason : null;
  };
  return (
    <Show when={live.enabled()}>
      <section class="live-value" aria-label="Live value">
        <h3>Live value</h3>
        <Show when={reason()}>{(why) => <p class="note">No value: {why()}</p>}</Show>
        <For each={outputs() ?? []}>
          {([port, tensor]) => (
            <div class="live-output">
              <div class="muted">out · {port}</div>
              <TensorPreviewView tensor={tensor} testid={`live-preview-${port}`} />
              <TensorGrid value={summarize(tensor)} testid={`live-grid-${port}`} />
            </div>
          )}
        </For>
      </section>
    </Show>
  );
}

function NodeInspector(props: { editor: Editor; id: NodeId; open: (id: NodeId) => void }) {
  const { editor } = props;
  const node = () => editor.node(props.id);
  const def = () => {
    const n = node();
    return n ? editor.catalog.get(n.type) : undefined;
  };
  const info = () => editor.info(props.id);
  const ports = () => editor.ports(props.id);
  const inputTypes = (): (TensorType | null)[] =>
    (ports()?.inputs ?? []).map((p) => info()?.inputs[p.name] ?? null);
  const flops = createMemo(() => {
    const d = def();
    const n = node();
    if (!d || !n || info()?.status === 'error') return null;
    return flopsPerSample(d, n.params, inputTypes());
  });
  const lr = createMemo(() => {
    const n = node();
    return n ? plannedLr(def(), n.params, chainedConfigs(editor, props.id)) : null;
  });
  const problems = () => (info()?.diagnostics ?? []).filter((d) => d.severity !== 'info');
  const notes = () => (info()?.diagnostics ?? []).filter((d) => d.severity === 'info');

  return (
    <Show when={node()}>
      {(n) => (
        <div class="inspector-body">
          <header class="inspector-head">
            <h2>{titleOf(n())}</h2>
            <span class="muted">{n().type}</span>
          </header>
          <Show when={n().subgraph}>
            {(sub) => (
              <p class="composite-note">
                {sub().nodes.length} nodes inside, {sub().inputs.length} in · {sub().outputs.length} out{' '}
                <button type="button" onClick={() => props.open(props.id)}>
                  Open ⤢
                </button>
              </p>
            )}
          </Show>
          <div class="field">
            <label for="node-label">
              <span class="field-name">label</span>
            </label>
            <input
              id="node-label"
              type="text"
              value={n().label ?? ''}
              placeholder={n().type}
              onChange={(e) => {
                const label = e.currentTarget.value.trim();
                editor.apply(
                  { kind: 'rename', id: props.id, label: label || undefined },
                  { label: 'Rename' },
                );
              }}
            />
          </div>
          <Show when={def()}>
            {(d) => (
              <section class="doc">
                <p>{d().doc}</p>
                <Show when={d().formula}>
                  <p class="formula">{d().formula}</p>
                </Show>
              </section>
            )}
          </Show>
          <For each={problems()}>{(d) => <DiagnosticView editor={editor} diagnostic={d} />}</For>
          <For each={notes()}>{(d) => <p class="note">{d.message}</p>}</For>
          <Show when={def() && Object.keys(def()?.params ?? {}).length > 0}>
            <section class="params" aria-label="Parameters">
              <h3>Params</h3>
              <For each={Object.entries(def()?.params ?? {})}>
                {([name, spec]) => (
                  <ParamField
                    editor={editor}
                    nodeId={props.id}
                    name={name}
                    spec={spec}
                    value={n().params[name] as ParamValue}
                  />
                )}
              </For>
            </section>
          </Show>
          <section class="shapes" aria-label="Shapes">
            <h3>Shapes</h3>
            <dl>
              <For each={ports()?.inputs ?? []}>
                {(p) => (
                  <>
                    <dt>in · {p.name}</dt>
                    <dd class="shape">
                      {p.kind === 'tensor' ? <ShapeText type={info()?.inputs[p.name] ?? null} /> : p.kind}
                    </dd>
                  </>
                )}
              </For>
              <For each={ports()?.outputs ?? []}>
                {(p) => (
                  <>
                    <dt>out · {p.name}</dt>
                    <dd class="shape">
                      {p.kind === 'tensor' ? <ShapeText type={info()?.outputs[p.name] ?? null} /> : p.kind}
                    </dd>
                  </>
                )}
              </For>
            </dl>
          </section>
          <section class="stats" aria-label="Size">
            <div>
              <span class="stat-value" data-testid="param-count">
                {formatCount(info()?.paramCount ?? 0)}
              </span>
              <span class="stat-label">parameters</span>
            </div>
            <Show when={flops() !== null}>
              <div>
                <span class="stat-value">{formatCompact(flops() ?? 0)}</span>
                <span class="stat-label">multiply-adds per sample</span>
              </div>
            </Show>
          </section>
          <Show when={lr()}>{(values) => <LrCurve values={values()} />}</Show>
          <LiveSection editor={editor} id={props.id} />
        </div>
      )}
    </Show>
  );
}

/** The inspector of the level open on the canvas (the graph, or a composite's inner graph). */
export function Inspector(props: { editor: Editor }) {
  const scope = scopeOf(props.editor);
  return (
    <aside class="inspector panel" aria-label="Inspector">
      <div class="panel-title">Inspector</div>
      <Show when={scope.view()} keyed>
        {(view) => <InspectorBody editor={view} open={scope.open} />}
      </Show>
    </aside>
  );
}

function InspectorBody(props: { editor: Editor; open: (id: NodeId) => void }) {
  const { editor } = props;
  const selected = () => [...editor.selection()];
  return (
    <Show
      when={selected().length === 1 && selected()[0]}
      fallback={
        <Show
          when={selected().length > 1}
          fallback={<p class="muted hint">Select a node to see its params, shapes and doc.</p>}
        >
          <div class="inspector-body">
            <h2>{selected().length} nodes selected</h2>
            <button type="button" onClick={() => groupSelection(editor)}>
              Group into composite
            </button>
          </div>
        </Show>
      }
    >
      {(id) => <NodeInspector editor={editor} id={id()} open={props.open} />}
    </Show>
  );
}
