/**
 * The Training dock, in place of the model summary while it is open: run controls (Run,
 * Pause, Step batch, Step epoch, Reset with a seed, Stop), the backend, the epoch's progress,
 * the data source (IDX files picked or dropped), what an edit mid-run kept, the kept runs,
 * and the dashboard (loss, accuracy, learning rate, per-layer gradient norms).
 */
import { createMemo, For, onCleanup, onMount, Show } from 'solid-js';
import { planNodeTitle } from '../canvas/scope.ts';
import type { Editor } from '../state/editor.ts';
import { CURVE_COLORS, type Curve, type RunCurves, runCurves } from './charts.ts';
import { CurveChart } from './CurveChart.tsx';
import { isIdxFileName, trainableDocument } from './datasets.ts';
import { NonFiniteOverlay } from './NonFiniteOverlay.tsx';
import { formatDuration, progressText } from './series.ts';
import type { Training } from './state.ts';
import './training.css';

const stateWords: Record<string, string> = {
  opening: 'loading data and compiling…',
  idle: 'ready',
  running: 'training',
  paused: 'paused',
  done: 'done',
  stopped: 'not started',
};

/** The top bar's button that opens the dock; a dot shows a run in progress. */
export function TrainingButton(props: { training: Training }) {
  const t = props.training;
  return (
    <button
      type="button"
      class="training-toggle"
      classList={{ active: t.open(), [`state-${t.state()}`]: true }}
      aria-pressed={t.open()}
      aria-label="Training dock"
      data-testid="training-toggle"
      onClick={() => t.setOpen(!t.open())}
    >
      <span class="training-dot" aria-hidden="true" /> Train
    </button>
  );
}

function NumberField(props: {
  label: string;
  value: number;
  onChange: (v: number) => void;
  min?: number;
  step?: string;
  testid: string;
  title?: string;
}) {
  return (
    <label class="training-field" title={props.title}>
      {props.label}
      <input
        type="number"
        value={props.value}
        min={props.min}
        step={props.step ?? '1'}
        data-testid={props.testid}
        onChange={(e) => {
          const v = Number(e.currentTarget.value);
          if (Number.isFinite(v) && (props.min === undefined || v >= props.min)) props.onChange(v);
          else e.currentTarget.value = String(props.value);
        }}
      />
    </label>
  );
}

function Controls(props: { training: Training }) {
  const t = props.training;
  const busy = () => t.state() === 'opening' || t.state() === 'running';
  const session = () => !!t.info();
  return (
    <div class="training-controls" role="toolbar" aria-label="Training controls">
      <button
        type="button"
        class="primary"
        data-testid="training-run"
        disabled={busy()}
        onClick={() => void t.start()}
      >
        ▶ {t.state() === 'paused' ? 'Resume' : 'Run'}
      </button>
      <button type="button" data-testid="training-pause" disabled={t.state() !== 'running'} onClick={t.pause}>
        ❚❚ Pause
      </button>
      <button
        type="button"
        data-testid="training-step-batch"
        disabled={busy()}
        onClick={() => void t.stepBatch()}
      >
        Step batch
      </button>
      <button
        type="button"
        data-testid="training-step-epoch"
        disabled={busy()}
        onClick={() => void t.stepEpoch()}
      >
        Step epoch
      </button>
      <button
        type="button"
        data-testid="training-reset"
        disabled={!session() || t.state() === 'opening'}
        onClick={t.reset}
      >
        ↺ Reset
      </button>
      <NumberField
        label="seed"
        value={t.settings().seed}
        min={0}
        testid="training-seed"
        title="Reset starts over from this seed (weights, data order)"
        onChange={(seed) => t.setSettings({ seed: Math.trunc(seed) })}
      />
      <button type="button" data-testid="training-stop" disabled={!session()} onClick={t.stop}>
        ■ Stop
      </button>
      <span class="training-sep" />
      <fieldset class="training-backend" aria-label="Backend">
        <label title={t.webgpu() === false ? 'no WebGPU adapter in this browser' : 'train on the GPU'}>
          <input
            type="radio"
            name="training-backend"
            value="webgpu"
            data-testid="training-backend-webgpu"
            checked={t.backend() === 'webgpu'}
            disabled={t.webgpu() !== true}
            onChange={() => t.setBackend('webgpu')}
          />
          WebGPU
        </label>
        <label>
          <input
            type="radio"
            name="training-backend"
            value="cpu"
            data-testid="training-backend-cpu"
            checked={t.backend() === 'cpu'}
            onChange={() => t.setBackend('cpu')}
          />
          CPU
        </label>
      </fieldset>
      <NumberField
        label="epochs"
        value={t.settings().epochs}
        min={1}
        testid="training-epochs"
        onChange={(epochs) => t.setSettings({ epochs: Math.trunc(epochs) })}
      />
      <NumberField
        label="lr"
        value={t.settings().lr}
        min={0}
        step="any"
        testid="training-lr"
        title="SGD (momentum 0.9) learning rate, used when the graph has no optimizer node"
        onChange={(lr) => t.setSettings({ lr })}
      />
      <NumberField
        label="health"
        value={t.settings().healthEvery}
        min={0}
        testid="training-health-every"
        title="Gradient health (‖∇W‖/‖W‖, dead ReLUs, saturation; badges on the nodes) every this many steps, 0: off. Applies from the next step."
        onChange={(k) => t.setSettings({ healthEvery: Math.trunc(k) })}
      />
      <span class="spacer" />
      <button
        type="button"
        class="icon"
        aria-label="Close the training dock"
        onClick={() => t.setOpen(false)}
      >
        ×
      </button>
    </div>
  );
}

function Progress(props: { training: Training }) {
  const t = props.training;
  const fraction = () => {
    const m = t.progress();
    return m ? m.batch / Math.max(1, m.batchesPerEpoch) : 0;
  };
  const text = () => {
    const m = t.progress();
    const info = t.info();
    if (m && info) return progressText(m, info.epochs);
    if (info)
      return `${info.trainSamples.toLocaleString('en-US')} training samples · ${info.batchesPerEpoch} batches of ${info.batchSize} per epoch · ${info.parameters.toLocaleString('en-US')} parameters · ${info.backend}`;
    return 'Run compiles the graph and trains it in a background worker; the editor stays responsive.';
  };
  return (
    <div class="training-progress" data-testid="training-progress">
      <div
        class="training-bar"
        role="progressbar"
        aria-label="Epoch progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(100 * fraction())}
      >
        <div style={{ width: `${(100 * fraction()).toFixed(1)}%` }} />
      </div>
      <span class="muted training-progress-text">{text()}</span>
      <span
        class={`pill training-state state-${t.state()}`}
        data-testid="training-state"
        data-state={t.state()}
      >
        {stateWords[t.state()] ?? t.state()}
      </span>
      <span class="training-step" data-testid="training-step" data-step={t.step()}>
        step {t.step()}
      </span>
    </div>
  );
}

function DataSource(props: { editor: Editor; training: Training }) {
  const t = props.training;
  let picker!: HTMLInputElement;
  const source = createMemo(() => {
    const run = t.run();
    if (run && t.info()) return run.dataset;
    try {
      return trainableDocument(props.editor.doc(), props.editor.catalog, t.files()).dataset;
    } catch (e) {
      return `No data yet: ${(e as Error).message}`;
    }
  });
  const take = (list: FileList | null | undefined) => {
    if (!list?.length) return;
    void t.addFiles(
      [...list].map((f) => ({ name: f.name, bytes: async () => new Uint8Array(await f.arrayBuffer()) })),
    );
  };
  return (
    <section
      class="training-section training-data"
      aria-label="Training data"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        take(e.dataTransfer?.files);
      }}
    >
      <h4>Data</h4>
      <p class="training-source" data-testid="training-dataset">
        {source()}
      </p>
      <div class="training-files">
        <button type="button" onClick={() => picker.click()}>
          IDX files…
        </button>
        <span class="muted">or drop MNIST / Fashion-MNIST files (.gz or raw) here</span>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          data-testid="training-file-input"
          onChange={(e) => {
            take(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
      </div>
      <ul class="training-file-list">
        <For each={t.files()}>
          {(f) => (
            <li>
              <span class="mono">{f.name}</span>{' '}
              <span class="muted">
                {f.role} [{f.dims.join(', ')}]
              </span>
              <button
                type="button"
                class="icon"
                aria-label={`Remove ${f.name}`}
                onClick={() => t.removeFile(f.name)}
              >
                ×
              </button>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

function Recompiled(props: { editor: Editor; training: Training }) {
  const names = (ids: string[]) => ids.map((id) => planNodeTitle(props.editor.doc().nodes, id)).join(', ');
  return (
    <Show when={props.training.recompiled()}>
      {(r) => (
        <section class="training-section training-recompiled" data-testid="training-recompiled">
          <h4>Recompiled after your edit</h4>
          <Show when={r().kept.length}>
            <p>
              <span class="pill pill-ok">kept weights</span> {names(r().kept)}
            </p>
          </Show>
          <Show when={r().initialised.length}>
            <p>
              <span class="pill pill-warning">re-initialised</span> {names(r().initialised)}
            </p>
          </Show>
          <Show when={r().removed.length}>
            <p>
              <span class="pill">removed</span> {names(r().removed)}
            </p>
          </Show>
          <p class="muted">optimizer state kept for {r().optimizerStateKept} parameter tensor(s)</p>
        </section>
      )}
    </Show>
  );
}

function RunsList(props: { training: Training }) {
  const t = props.training;
  const overlaid = (id: string) => t.overlay().some((r) => r.id === id);
  return (
    <section class="training-section training-runs" aria-label="Kept runs">
      <h4>Runs</h4>
      <Show when={t.runs().length > 0} fallback={<p class="muted">Runs are kept here (in this browser).</p>}>
        <ul data-testid="training-runs">
          <For each={t.runs()}>
            {(r) => (
              <li data-run-id={r.id} classList={{ current: t.run()?.id === r.id }}>
                <label title="Overlay this run's curves">
                  <input
                    type="checkbox"
                    checked={t.run()?.id === r.id || overlaid(r.id)}
                    disabled={t.run()?.id === r.id}
                    onChange={() => void t.toggleOverlay(r.id)}
                  />
                  <span class="training-run-title">{r.title}</span>
                </label>
                <button
                  type="button"
                  class="icon"
                  title="Open the graph this run trained"
                  aria-label={`Open the graph of run ${r.title}`}
                  onClick={() => void t.openRunGraph(r.id)}
                >
                  ↗
                </button>
                <button
                  type="button"
                  class="icon"
                  aria-label={`Delete run ${r.title}`}
                  onClick={() => void t.deleteRun(r.id)}
                >
                  ×
                </button>
                <span class="muted training-run-status">
                  {r.status} · {r.backend} · {r.steps} steps
                  {r.lastLoss !== null ? ` · loss ${r.lastLoss.toPrecision(3)}` : ''}
                </span>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}

function Dashboard(props: { editor: Editor; training: Training }) {
  const t = props.training;
  const compared = (): RunCurves[] => {
    t.revision();
    const run = t.run();
    const current = run ? [{ label: 'this run', series: run.series, epochs: run.epochs }] : [];
    const others = t
      .overlay()
      .filter((r) => r.id !== run?.id)
      .map((r) => ({ label: r.title, series: r.series, epochs: r.epochs }));
    return [...current, ...others];
  };
  const lr = (): Curve[] => {
    t.revision();
    const run = t.run();
    return run
      ? [{ label: 'learning rate', x: run.series.steps, y: run.series.lr, color: CURVE_COLORS[0] }]
      : [];
  };
  const gradNorms = (): Curve[] => {
    t.revision();
    const run = t.run();
    if (!run) return [];
    return Object.entries(run.series.gradNorms).map(([id, y], i) => ({
      label: planNodeTitle(props.editor.doc().nodes, id),
      x: run.series.steps,
      y,
      color: CURVE_COLORS[i % CURVE_COLORS.length],
    }));
  };
  // evaluator outputs by node title: `node:acc:output` → "Accuracy 0.75"
  const metricsText = (metrics: Record<string, number> | undefined) =>
    Object.entries(metrics ?? {})
      .map(([key, v]) => {
        const at = key.lastIndexOf(':');
        const [id, port] = [key.slice(0, at), key.slice(at + 1)];
        const name = `${planNodeTitle(props.editor.doc().nodes, id)}${port === 'output' ? '' : `.${port}`}`;
        return ` · ${name} ${Number(v.toPrecision(4))}`;
      })
      .join('');
  const lastEpoch = () => {
    t.revision();
    const rows = t.run()?.epochs ?? [];
    return rows[rows.length - 1];
  };
  return (
    <div class="training-dashboard">
      <CurveChart
        title="Loss"
        curves={() => runCurves(compared(), 'loss')}
        log="auto"
        testid="training-loss-chart"
      />
      <CurveChart
        title="Accuracy"
        curves={() => runCurves(compared(), 'accuracy')}
        testid="training-accuracy-chart"
      />
      <CurveChart title="Learning rate" curves={lr} testid="training-lr-chart" />
      <CurveChart title="‖∇‖ per layer" curves={gradNorms} log testid="training-grad-chart" />
      <Show when={lastEpoch()}>
        {(e) => (
          <p class="training-epoch-line muted" data-testid="training-epoch-line">
            epoch {e().epoch + 1}: train loss {e().trainLoss.toFixed(4)}
            {e().valLoss !== null ? ` · val loss ${e().valLoss?.toFixed(4)}` : ''}
            {e().valAccuracy !== null ? ` · val accuracy ${(100 * (e().valAccuracy ?? 0)).toFixed(1)} %` : ''}{' '}
            · {formatDuration(e().seconds)} · {Math.round(e().samplesPerSec).toLocaleString('en-US')}{' '}
            samples/s{metricsText(e().valMetrics)}
          </p>
        )}
      </Show>
    </div>
  );
}

/**
 * IDX files dropped anywhere on the page (the canvas included) go to the dock, all of them;
 * a drop with any other file is left to the editor (a graph file opens).
 */
function useIdxDrop(training: Training): void {
  onMount(() => {
    const onDrop = (e: DragEvent) => {
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length === 0 || !files.every((f) => isIdxFileName(f.name))) return;
      e.preventDefault();
      e.stopPropagation();
      training.setOpen(true);
      void training.addFiles(
        files.map((f) => ({ name: f.name, bytes: async () => new Uint8Array(await f.arrayBuffer()) })),
      );
    };
    window.addEventListener('drop', onDrop, true);
    onCleanup(() => window.removeEventListener('drop', onDrop, true));
  });
}

export function TrainingDock(props: { editor: Editor; training: Training }) {
  const t = props.training;
  useIdxDrop(t);
  return (
    <>
      <NonFiniteOverlay editor={props.editor} training={t} />
      <Show when={t.open()}>
        <section class="training-dock" aria-label="Training" data-testid="training-dock">
          <Controls training={t} />
          <Progress training={t} />
          <Show when={t.error()}>
            {(text) => (
              <p class="training-error" role="alert" data-testid="training-error">
                {text()}
              </p>
            )}
          </Show>
          <Show when={t.notice()}>
            {(text) => (
              <p class="training-notice" data-testid="training-notice">
                {text()}
              </p>
            )}
          </Show>
          <div class="training-body">
            <div class="training-side">
              <DataSource editor={props.editor} training={t} />
              <Recompiled editor={props.editor} training={t} />
              <RunsList training={t} />
            </div>
            <Dashboard editor={props.editor} training={t} />
          </div>
        </section>
      </Show>
    </>
  );
}
