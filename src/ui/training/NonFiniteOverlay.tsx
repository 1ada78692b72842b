/**
 * Where training went non-finite, on the canvas: the node is ringed and pinned with a red
 * badge (the editor's error badge), and a popover beside it gives what went non-finite, the
 * statistics of the tensors that went into it, and what to try. The badge stays until the
 * run is reset; the popover closes and reopens from the badge.
 */
import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import { Portal } from 'solid-js/web';
import type { TensorStats } from '../../engine/runtime/train-guard.ts';
import { NODE_WIDTH, nodeHeight } from '../canvas/geometry.ts';
import { titleOf } from '../state/actions.ts';
import type { Editor } from '../state/editor.ts';
import { fixLabels, type NonFiniteFix } from './fixes.ts';
import type { Training } from './state.ts';

const num = (x: number) => {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e4 || a < 1e-3) ? x.toExponential(1) : String(Number(x.toPrecision(3)));
};

/** One row of the statistics table, in words a person reads. */
export function statsCells(s: TensorStats): string[] {
  return [
    `[${s.shape.join(', ')}]`,
    num(s.min),
    num(s.max),
    num(s.mean),
    num(s.std),
    String(s.nan),
    String(s.inf),
  ];
}

/** The runtime's suggestions for the op, and the log-of-zero check whenever they leave it out. */
export function suggestionsOf(fromRuntime: readonly string[]): string[] {
  const logCheck =
    'check for log of zero downstream (log, NLL or BCE on a probability that reached 0): add an epsilon';
  return fromRuntime.some((s) => /log of zero/.test(s)) ? [...fromRuntime] : [...fromRuntime, logCheck];
}

/** Pan the canvas so a node sits in view (centred) when it is outside it. */
function reveal(editor: Editor, at: { x: number; y: number }, canvas: HTMLElement): void {
  const v = editor.viewport();
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  const left = v.x + at.x * v.k;
  const top = v.y + at.y * v.k;
  const inside = left > 16 && top > 16 && left + NODE_WIDTH * v.k < w - 16 && top + 80 * v.k < h - 16;
  if (!inside) editor.setViewport({ ...v, x: w / 3 - at.x * v.k, y: h / 3 - at.y * v.k });
}

export function NonFiniteOverlay(props: { editor: Editor; training: Training }) {
  const { editor, training } = props;
  const [canvas, setCanvas] = createSignal<HTMLElement | null>(null);
  const [world, setWorld] = createSignal<HTMLElement | null>(null);
  const [popover, setPopover] = createSignal(false);

  onMount(() => {
    let frame = 0;
    const find = () => {
      const c = document.querySelector<HTMLElement>('.canvas');
      const w = c?.querySelector<HTMLElement>('.world');
      if (c && w) {
        setCanvas(c);
        setWorld(w);
      } else frame = requestAnimationFrame(find);
    };
    find();
    onCleanup(() => cancelAnimationFrame(frame));
  });

  const node = () => {
    const id = training.pinned();
    return id ? editor.node(id) : undefined;
  };

  createEffect(
    on(training.pinned, (id) => {
      setPopover(!!id);
      const n = id && editor.node(id);
      const c = canvas();
      if (n && c) reveal(editor, n.position, c);
    }),
  );

  // the popover's own height, so it is placed to fit inside the canvas
  const [height, setHeight] = createSignal(320);
  const sizes = new ResizeObserver((entries) => setHeight(entries[0]?.contentRect.height ?? 320));
  onCleanup(() => sizes.disconnect());

  const place = () => {
    const n = node();
    const c = canvas();
    if (!n || !c) return {};
    const v = editor.viewport();
    const width = 440;
    const right = (n.position.x + NODE_WIDTH) * v.k + v.x + 16;
    const left = right + width > c.clientWidth ? Math.max(8, n.position.x * v.k + v.x - width - 16) : right;
    const top = Math.max(8, Math.min(n.position.y * v.k + v.y, c.clientHeight - height() - 32));
    return { left: `${left}px`, top: `${top}px` };
  };

  return (
    <Show when={node()}>
      {(n) => (
        <>
          <Show when={world()}>
            {(w) => (
              <Portal mount={w()}>
                <div
                  class="nonfinite-ring"
                  aria-hidden="true"
                  style={{
                    transform: `translate(${n().position.x - 6}px, ${n().position.y - 6}px)`,
                    width: `${NODE_WIDTH + 12}px`,
                    height: `${nodeHeight(editor.ports(n().id)) + 12}px`,
                  }}
                />
                <button
                  type="button"
                  class="badge badge-error nonfinite-badge"
                  data-testid="nonfinite-badge"
                  data-node={n().id}
                  aria-label={`Non-finite value in ${titleOf(n())}: show details`}
                  title="Training went non-finite here"
                  style={{
                    transform: `translate(${n().position.x + NODE_WIDTH - 22}px, ${n().position.y - 14}px)`,
                  }}
                  onPointerDown={(e) => e.stopPropagation()}
                  onClick={(e) => {
                    e.stopPropagation();
                    setPopover((o) => !o);
                  }}
                >
                  NaN
                </button>
              </Portal>
            )}
          </Show>
          <Show when={popover() && canvas() && training.nonfinite()}>
            {(report) => (
              <Portal mount={canvas() as HTMLElement}>
                <div
                  class="popover nonfinite-popover"
                  role="dialog"
                  aria-label={`Non-finite value in ${titleOf(n())}`}
                  data-testid="nonfinite-popover"
                  data-node={n().id}
                  ref={(el) => sizes.observe(el)}
                  style={place()}
                  onPointerDown={(e) => e.stopPropagation()}
                >
                  <div class="popover-head">
                    <strong>{titleOf(n())}</strong>
                    <button type="button" class="icon" aria-label="Close" onClick={() => setPopover(false)}>
                      ×
                    </button>
                  </div>
                  <div class="diagnostic diagnostic-error">
                    <div class="diagnostic-head">
                      <span class="pill pill-error">non-finite</span>
                      <span class="muted">
                        {report().phase} · step {report().step} · op {report().op}
                      </span>
                    </div>
                    <p class="diagnostic-message" data-testid="nonfinite-message">
                      Training paused: {report().what} became NaN or ±Inf in {titleOf(n())}.
                    </p>
                    <Show when={report().inputs.length > 0}>
                      <table class="nonfinite-stats" aria-label="statistics of what went in">
                        <thead>
                          <tr>
                            <th>input</th>
                            <th>shape</th>
                            <th>min</th>
                            <th>max</th>
                            <th>mean</th>
                            <th>std</th>
                            <th>NaN</th>
                            <th>Inf</th>
                          </tr>
                        </thead>
                        <tbody>
                          <For each={report().inputs}>
                            {(input) => (
                              <tr>
                                <th scope="row">{input.name}</th>
                                <For each={statsCells(input.stats)}>{(cell) => <td>{cell}</td>}</For>
                              </tr>
                            )}
                          </For>
                        </tbody>
                      </table>
                    </Show>
                    <ul class="nonfinite-suggestions" data-testid="nonfinite-suggestions">
                      <For each={suggestionsOf(report().suggestions)}>{(s) => <li>{s}</li>}</For>
                    </ul>
                    <p class="muted nonfinite-fix-note">
                      A fix edits the optimizer (one undoable step) and starts the run over from its seed.
                    </p>
                    <div class="fixes">
                      <For each={['lower-lr', 'clip'] as NonFiniteFix[]}>
                        {(fix) => (
                          <button
                            type="button"
                            class="fix"
                            data-testid={`nonfinite-fix-${fix}`}
                            onClick={() => void training.applyFix(fix)}
                          >
                            {fixLabels[fix]}
                          </button>
                        )}
                      </For>
                      <button type="button" class="fix" onClick={() => training.reset()}>
                        Start over as it is
                      </button>
                    </div>
                  </div>
                </div>
              </Portal>
            )}
          </Show>
        </>
      )}
    </Show>
  );
}
