/**
 * Backward mode: run the graph forward on a sample batch, then walk the backward pass one step
 * at a time (Next / Previous, ← / →; with Shift, over a whole node or composite). The card shows
 * the upstream gradient, the rule, what the step produces and where it accumulates; the canvas
 * rings the current node and colours the edges crossed so far by gradient magnitude.
 */
import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import { Portal } from 'solid-js/web';
import type { GradcheckReport } from '../../graph/gradcheck.ts';
import type { LayerHealth } from '../../graph/health.ts';
import type { NodeId } from '../../graph/index.ts';
import { formatNumber, type StepView, type TensorSummary } from '../../graph/stepper.ts';
import { NODE_WIDTH } from '../canvas/geometry.ts';
import { planNodeTitle } from '../canvas/scope.ts';
import { isTyping } from '../controllers/pointer.ts';
import { titleOf } from '../state/actions.ts';
import type { Editor } from '../state/editor.ts';
import { GradientOverlay } from './Overlay.tsx';
import { type BackwardMode, createBackwardMode } from './state.ts';
import { TensorGrid } from './TensorGrid.tsx';
import './stepper.css';

export function BackwardPanel(props: { editor: Editor }) {
  const { editor } = props;
  const mode = createBackwardMode(editor);
  const [world, setWorld] = createSignal<HTMLElement | null>(null);

  onMount(() => {
    // the canvas's world layer, once it is in the page
    const find = () => {
      const el = document.querySelector<HTMLElement>('.canvas .world');
      if (el) setWorld(el);
      else frame = requestAnimationFrame(find);
    };
    let frame = 0;
    find();
    const onKey = (e: KeyboardEvent) => {
      if (!mode.open() || !mode.view() || isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const action =
        e.key === 'ArrowRight'
          ? e.shiftKey
            ? mode.nextOver
            : mode.next
          : e.key === 'ArrowLeft'
            ? e.shiftKey
              ? mode.previousOver
              : mode.previous
            : null;
      if (!action) return;
      // arrows step the pass while backward mode is open, instead of nudging nodes
      e.preventDefault();
      e.stopImmediatePropagation();
      action();
    };
    window.addEventListener('keydown', onKey, true);
    onCleanup(() => {
      cancelAnimationFrame(frame);
      window.removeEventListener('keydown', onKey, true);
    });
  });

  let panel: HTMLElement | undefined;
  // keep the current node in sight: pan it out from under the panel when it steps there
  createEffect(
    on(mode.view, (view) => {
      const node = view?.node && editor.node(view.node);
      const canvas = document.querySelector('.canvas');
      if (!node || !canvas || !panel) return;
      revealNode(editor, node.position, canvas.getBoundingClientRect(), panel.getBoundingClientRect());
    }),
  );

  return (
    <>
      <button
        type="button"
        class="stepper-toggle"
        classList={{ active: mode.open() }}
        aria-pressed={mode.open()}
        aria-label="Backward mode"
        data-testid="stepper-toggle"
        onClick={mode.toggle}
      >
        ∇ Backward
      </button>
      <Show when={mode.open()}>
        <section
          ref={panel}
          class="stepper-panel"
          aria-label="Backward pass stepper"
          data-testid="stepper-panel"
        >
          <Controls mode={mode} />
          <Show when={mode.error()}>
            <p class="stepper-error" role="alert" data-testid="stepper-error">
              {mode.error()}
            </p>
          </Show>
          <Show when={mode.stale()}>
            <p class="stepper-stale" role="status">
              The graph changed since the forward pass; Run forward again to step the new one.
            </p>
          </Show>
          <Show when={mode.gradcheck()}>{(r) => <GradcheckTable report={r()} />}</Show>
          <Show when={mode.view() && mode.stepped()}>
            {(s) => (
              <p class="muted stepper-sample-note" data-testid="stepper-sample-note">
                {s().sources === 0
                  ? 'The graph’s own values: it has no data source to sample.'
                  : s().sample === null
                    ? `The whole sample batch (N = ${s().batch}).`
                    : `Example ${s().sample} of the sample batch of ${s().batch}, on its own (N = 1): its gradients alone.`}
              </p>
            )}
          </Show>
          <Show when={mode.view()} fallback={<Intro />}>
            {(v) => <StepCard editor={editor} view={v()} />}
          </Show>
          <Show when={mode.health()}>{(h) => <HealthTable editor={editor} layers={h()} />}</Show>
        </section>
        <Show when={world() && mode.view()}>
          <Portal mount={world()!}>
            <GradientOverlay editor={editor} view={mode.view()!} health={mode.health()} />
          </Portal>
        </Show>
      </Show>
    </>
  );
}

/** Pan so a node sits inside the canvas and left of the panel, with a margin; no pan when it already does. */
function revealNode(editor: Editor, at: { x: number; y: number }, canvas: DOMRect, panel: DOMRect): void {
  const margin = 32;
  const v = editor.viewport();
  const left = canvas.left + v.x + at.x * v.k;
  const right = left + NODE_WIDTH * v.k;
  const visibleRight = Math.min(canvas.right, panel.left) - margin;
  let dx = 0;
  if (right > visibleRight) dx = visibleRight - right;
  if (left + dx < canvas.left + margin) dx = canvas.left + margin - left;
  if (dx !== 0) editor.setViewport({ ...v, x: v.x + dx });
}

/** Per layer: ‖∇W‖/‖W‖ for each parameter, dead ReLUs, saturation, and the flags raised. */
function HealthTable(props: { editor: Editor; layers: LayerHealth[] }) {
  const title = (id: string) => planNodeTitle(props.editor.doc().nodes, id);
  const measures = (l: LayerHealth) => [
    ...l.params.map(
      (p) => `‖∇${p.name}‖/‖${p.name}‖ ${p.gradToWeight === null ? '—' : p.gradToWeight.toExponential(1)}`,
    ),
    ...(l.deadFraction === null ? [] : [`dead ${(100 * l.deadFraction).toFixed(0)} %`]),
    ...(l.saturation === null ? [] : [`saturated ${(100 * l.saturation).toFixed(0)} %`]),
  ];
  return (
    <section class="stepper-health" data-testid="stepper-health">
      <h4>Gradient health</h4>
      <For each={props.layers}>
        {(l) => (
          <div class="stepper-health-row" classList={{ flagged: l.flags.length > 0 }} data-node={l.nodeId}>
            <span class="stepper-health-node">{title(l.nodeId)}</span>
            <span class="muted">{measures(l).join(' · ')}</span>
            <Show when={l.flags.length > 0}>
              <span class="stepper-health-flags">⚠ {l.flags.join(', ').replaceAll('_', ' ')}</span>
            </Show>
          </div>
        )}
      </For>
    </section>
  );
}

/** Finite differences vs autograd, one row per parameter (and sample input) tensor. */
function GradcheckTable(props: { report: GradcheckReport }) {
  return (
    <section
      class="stepper-gradcheck"
      data-testid="stepper-gradcheck-report"
      data-pass={String(props.report.pass)}
    >
      <h4>
        Gradient check {props.report.pass ? '✓ passes' : '✗ fails'}{' '}
        <span class="muted">
          ({props.report.dtype} central differences, relative error &lt; {props.report.tolerance})
        </span>
      </h4>
      <table>
        <thead>
          <tr>
            <th>tensor</th>
            <th>shape</th>
            <th>rel. error</th>
            <th>points</th>
            <th />
          </tr>
        </thead>
        <tbody>
          <For each={props.report.tensors}>
            {(t) => (
              <tr classList={{ fail: !t.pass }} data-tensor={t.name}>
                <td>{t.name.replace(/^node:/, '')}</td>
                <td>[{t.shape.join(', ')}]</td>
                <td>{t.relError.toExponential(2)}</td>
                <td title={`${t.skipped} left out: a kink within the stencil`}>
                  {t.checked}
                  {t.skipped ? ` (+${t.skipped})` : ''}
                </td>
                <td>{t.pass ? '✓' : '✗'}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </section>
  );
}

function Intro() {
  return (
    <p class="muted stepper-intro">
      Run the graph forward on a sample batch, then step back through it from the loss: each step shows the
      gradient arriving, the rule, and what it passes on. Keys: ← → step, Shift+← → step over a node.
    </p>
  );
}

function Controls(props: { mode: BackwardMode }) {
  const m = props.mode;
  const atStart = () => (m.view()?.index ?? -1) < 0;
  const position = () => {
    const v = m.view();
    if (!v) return '–';
    return v.index < 0 ? `start / ${v.total}` : `${v.index + 1} / ${v.total}`;
  };
  const atEnd = () => {
    const v = m.view();
    return !v || v.index >= v.total - 1;
  };
  return (
    <div class="stepper-controls">
      <button
        type="button"
        onClick={m.start}
        data-testid="stepper-start"
        title="Run the forward pass on a sample batch"
      >
        ▶ Run forward
      </button>
      <button
        type="button"
        onClick={m.checkGradients}
        data-testid="stepper-gradcheck"
        title="Compare autograd with finite differences for every parameter"
      >
        ✓ Check gradients
      </button>
      <label class="stepper-batch" title="Batch size N of the sample batch">
        N
        <input
          type="number"
          min="1"
          max="256"
          value={m.batch()}
          onChange={(e) => m.setBatch(Number(e.currentTarget.value))}
        />
      </label>
      <label
        class="stepper-sample"
        title="Step the backward pass of the whole batch, or of one example of it"
      >
        <select
          aria-label="Step the whole batch or one example of it"
          data-testid="stepper-sample"
          value={m.sample() === null ? 'batch' : String(m.sample())}
          onChange={(e) => {
            const v = e.currentTarget.value;
            m.setSample(v === 'batch' ? null : Number(v));
          }}
        >
          <option value="batch">whole batch</option>
          <For each={Array.from({ length: m.batch() }, (_, i) => i)}>
            {(i) => <option value={String(i)}>example {i}</option>}
          </For>
        </select>
      </label>
      <div class="stepper-nav">
        <button
          type="button"
          onClick={m.previousOver}
          disabled={atStart()}
          aria-label="Previous node"
          title="Previous node (Shift+←)"
        >
          ◀◀
        </button>
        <button
          type="button"
          onClick={m.previous}
          disabled={atStart()}
          aria-label="Previous step"
          data-testid="stepper-previous"
          title="Previous step (←)"
        >
          ◀ Prev
        </button>
        <span class="stepper-position" data-testid="stepper-position">
          {position()}
        </span>
        <button
          type="button"
          onClick={m.next}
          disabled={atEnd()}
          aria-label="Next step"
          data-testid="stepper-next"
          title="Next step, into composites (→)"
        >
          Next ▶
        </button>
        <button
          type="button"
          onClick={m.nextOver}
          disabled={atEnd()}
          aria-label="Next node"
          data-testid="stepper-next-over"
          title="Step over the node (Shift+→)"
        >
          ▶▶
        </button>
      </div>
      <button type="button" class="icon-button" onClick={m.close} aria-label="Close backward mode">
        ✕
      </button>
    </div>
  );
}

/** Contributions drawn as grids at most (an RNN weight collects one per time step). */
const SHOWN_PATHS = 6;

/** `3 + 4 = 7` for scalars, norms for tensors; long sums keep their first and last terms. */
function pathSum(contributions: TensorSummary[], total: TensorSummary): string {
  const term = (c: TensorSummary) =>
    c.size === 1 ? formatNumber(c.values[0]) : `‖${formatNumber(c.stats.norm)}‖`;
  const terms =
    contributions.length <= SHOWN_PATHS
      ? contributions.map(term)
      : [...contributions.slice(0, 2).map(term), '…', ...contributions.slice(-2).map(term)];
  return `${terms.join(' + ')} = ${term(total)}`;
}

function StepCard(props: { editor: Editor; view: StepView }) {
  const v = () => props.view;
  const title = (id: NodeId) => {
    const n = props.editor.node(id);
    return n ? titleOf(n) : id;
  };
  return (
    <div
      class="stepper-card"
      data-testid="stepper-card"
      data-step={v().index}
      data-op={v().op}
      data-node={v().node ?? ''}
    >
      <header class="stepper-card-head">
        <span class="stepper-node" data-testid="stepper-node">
          {v().nodeLabel}
        </span>
        <Show when={v().path.length > 1}>
          <span class="stepper-path muted">in {v().path.slice(0, -1).map(title).join(' › ')}</span>
        </Show>
        <span class="stepper-op muted">op {v().op}</span>
      </header>
      <dl class="stepper-rules">
        <dt>Rule</dt>
        <dd data-testid="stepper-rule">{v().rule}</dd>
        <Show when={v().formula !== v().rule}>
          <dt>Op</dt>
          <dd class="muted" data-testid="stepper-formula">
            {v().formula}
          </dd>
        </Show>
      </dl>
      <Section title="Upstream gradient δ">
        <For each={v().upstream}>{(u, i) => <TensorGrid value={u} testid={`stepper-upstream-${i()}`} />}</For>
      </Section>
      <Show when={v().mask}>
        {(mask) => (
          <Section title="ReLU mask [x > 0]">
            <TensorGrid value={mask()} testid="stepper-mask" />
          </Section>
        )}
      </Show>
      <Show when={v().produced.length > 0}>
        <Section title="Produces">
          <For each={v().produced}>
            {(p) => (
              <div class="stepper-item" data-testid={`stepper-produced-${p.name}`}>
                <div class="stepper-item-label">{p.label}</div>
                <TensorGrid value={p.grad} />
              </div>
            )}
          </For>
        </Section>
      </Show>
      <Show when={v().accumulations.length > 0}>
        <Section title="Accumulates (sum over paths)">
          <For each={v().accumulations}>
            {(a, i) => (
              <div
                class="stepper-item"
                data-testid={`stepper-accum-${i()}`}
                data-contributions={a.contributions.length}
              >
                <div class="stepper-item-label">
                  into {a.label}
                  <Show
                    when={a.contributions.length > 1}
                    fallback={<span class="muted"> · its first path (the gradient above)</span>}
                  >
                    <span class="stepper-sum">
                      {' '}
                      · {a.contributions.length} paths: {pathSum(a.contributions, a.total)}
                    </span>
                  </Show>
                </div>
                <Show when={a.contributions.length > 1}>
                  <div class="stepper-contributions">
                    <For each={a.contributions.slice(-SHOWN_PATHS)}>
                      {(c, k) => (
                        <TensorGrid
                          value={c}
                          testid={`stepper-accum-${i()}-path-${k() + Math.max(0, a.contributions.length - SHOWN_PATHS)}`}
                        />
                      )}
                    </For>
                  </div>
                  <Show when={a.contributions.length > SHOWN_PATHS}>
                    <div class="muted">
                      the last {SHOWN_PATHS} of {a.contributions.length} paths
                    </div>
                  </Show>
                  <div class="stepper-item-label">sum</div>
                  <TensorGrid value={a.total} testid={`stepper-accum-${i()}-total`} />
                </Show>
              </div>
            )}
          </For>
        </Section>
      </Show>
      <Show when={v().forward.length > 0}>
        <details class="stepper-forward">
          <summary>Forward values this node saw</summary>
          <For each={v().forward}>
            {(f) => (
              <div class="stepper-item" data-testid={`stepper-forward-${f.name}`}>
                <div class="stepper-item-label">{f.name}</div>
                <TensorGrid value={f.value} />
              </div>
            )}
          </For>
        </details>
      </Show>
    </div>
  );
}

function Section(props: { title: string; children: import('solid-js').JSX.Element }) {
  return (
    <section class="stepper-section">
      <h4>{props.title}</h4>
      {props.children}
    </section>
  );
}
