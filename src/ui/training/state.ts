/**
 * The Training dock's state: one training session in a Web Worker (through TrainingClient),
 * the current run's curves, the kept runs and which of them are overlaid. Components read
 * these signals and call these actions; nothing here waits on a training step.
 */
import { type Accessor, batch, createSignal } from 'solid-js';
import type { EpochMetrics, StepMetrics } from '../../engine/runtime/train.ts';
import type { NonFiniteReport } from '../../engine/runtime/train-guard.ts';
import { type GraphDocument, type NodeId, saveDocument } from '../../graph/index.ts';
import {
  createTrainingWorker,
  type RunState,
  type SessionInfo,
  TrainingClient,
  type TrainMessage,
  type WorkerLike,
} from '../../training/worker-client.ts';
import {
  emptySeries,
  indexedDbRunStore,
  type RunRecord,
  type RunStore,
  type RunSummary,
} from '../persist/runs.ts';
import { DEFAULT_HEALTH_EVERY } from '../../training/monitor.ts';
import { titleOf } from '../state/actions.ts';
import type { Editor } from '../state/editor.ts';
import { filesByName, inspectIdxFile, type PickedFile, trainableDocument } from './datasets.ts';
import { fixEdits, fixLabels, type NonFiniteFix } from './fixes.ts';
import { appendStep, epochRow, type RecompileSummary, summariseRecompile } from './series.ts';

export type BackendChoice = 'webgpu' | 'cpu';
/** the host's run state, or 'opening' while the worker loads data and compiles */
export type PanelState = RunState | 'opening';

export interface TrainingDeps {
  createClient(): TrainingClient;
  runs: RunStore;
  /** whether navigator.gpu gives an adapter */
  detectWebGPU(): Promise<boolean>;
  /** ms after the last edit before a running session recompiles */
  recompileDelay?: number;
  /** ms between saves of a run while it trains */
  saveInterval?: number;
}

export interface RunSettings {
  seed: number;
  epochs: number;
  /** the SGD (momentum 0.9) learning rate used when the graph has no optimizer node */
  lr: number;
  /** that SGD's gradient clipping (total norm), or none */
  clipNorm?: number;
  /** gradient health (the canvas badges) every this many steps; 0 turns it off */
  healthEvery: number;
}

export interface Training {
  open: Accessor<boolean>;
  setOpen(open: boolean): void;
  /** null while the adapter check runs */
  webgpu: Accessor<boolean | null>;
  backend: Accessor<BackendChoice>;
  setBackend(b: BackendChoice): void;
  settings: Accessor<RunSettings>;
  setSettings(s: Partial<RunSettings>): void;
  state: Accessor<PanelState>;
  step: Accessor<number>;
  epoch: Accessor<number>;
  info: Accessor<SessionInfo | null>;
  progress: Accessor<StepMetrics | null>;
  /** the run being trained (its series grow in place; `revision` changes when they do) */
  run: Accessor<RunRecord | null>;
  revision: Accessor<number>;
  recompiled: Accessor<RecompileSummary | null>;
  nonfinite: Accessor<NonFiniteReport | null>;
  /** the graph node the last non-finite report points at (the outer node for a composite's inner one) */
  pinned: Accessor<NodeId | null>;
  error: Accessor<string | null>;
  notice: Accessor<string | null>;
  files: Accessor<PickedFile[]>;
  /** the kept runs, newest first */
  runs: Accessor<RunSummary[]>;
  /** kept runs drawn beside the current one */
  overlay: Accessor<RunRecord[]>;
  toggleOverlay(id: string): Promise<void>;
  deleteRun(id: string): Promise<void>;
  /** open the graph a kept run trained (like opening a file: undoable, ends the session) */
  openRunGraph(id: string): Promise<void>;
  /** Run (opening a session first when there is none) */
  start(): Promise<void>;
  pause(): void;
  stepBatch(): Promise<void>;
  stepEpoch(): Promise<void>;
  /** start over from the seed field: fresh weights, a new run */
  reset(): void;
  stop(): void;
  /** check IDX files and keep the good ones; a bad one gives a message naming it */
  addFiles(files: readonly { name: string; bytes(): Promise<Uint8Array> }[]): Promise<void>;
  removeFile(name: string): void;
  dismissNonFinite(): void;
  /** apply a remedy for a blow-up (to the optimizer nodes, else the dock's SGD) and start over */
  applyFix(fix: NonFiniteFix): Promise<void>;
  dispose(): void;
}

const ACTIVE: PanelState[] = ['opening', 'running', 'paused', 'idle'];

/** The graph as the compiler sees it: what an edit must change to need a recompile (not positions). */
export function structureKey(doc: GraphDocument): string {
  return JSON.stringify([doc.nodes.map(({ position: _p, ...rest }) => rest), doc.edges, doc.meta.symbols]);
}

async function hasWebGPUAdapter(): Promise<boolean> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
  if (!gpu) return false;
  try {
    return !!(await gpu.requestAdapter());
  } catch {
    return false;
  }
}

/**
 * A worker whose crash (a module that fails to load, an uncaught error) reaches the client as an
 * 'open' error: while opening it rejects the open; later it ends the session (see the dock's handler).
 */
export function reportingCrashes(
  worker: Pick<Worker, 'postMessage' | 'addEventListener' | 'terminate'>,
): WorkerLike {
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer ?? []),
    addEventListener: (_type, listener) => {
      worker.addEventListener('message', listener as EventListener);
      worker.addEventListener('error', (e) => {
        e.preventDefault();
        const detail = (e as ErrorEvent).message || 'it failed to load or crashed';
        const data: TrainMessage = {
          type: 'error',
          command: 'open',
          message: `The training worker stopped: ${detail}`,
        };
        listener(new MessageEvent('message', { data }));
      });
    },
    terminate: () => worker.terminate(),
  };
}

export function browserTrainingDeps(): TrainingDeps {
  return {
    createClient: () => new TrainingClient(reportingCrashes(createTrainingWorker())),
    runs: indexedDbRunStore(),
    detectWebGPU: hasWebGPUAdapter,
  };
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function createTraining(editor: Editor, deps: TrainingDeps = browserTrainingDeps()): Training {
  const [open, setOpen] = createSignal(false);
  const [webgpu, setWebgpu] = createSignal<boolean | null>(null);
  const [backend, setBackend] = createSignal<BackendChoice>('cpu');
  const [settings, setSettingsSignal] = createSignal<RunSettings>({
    seed: 0,
    epochs: 5,
    lr: 0.1,
    healthEvery: DEFAULT_HEALTH_EVERY,
  });
  const [state, setState] = createSignal<PanelState>('stopped');
  const [step, setStep] = createSignal(0);
  const [epoch, setEpoch] = createSignal(0);
  const [info, setInfo] = createSignal<SessionInfo | null>(null);
  const [progress, setProgress] = createSignal<StepMetrics | null>(null);
  const [run, setRun] = createSignal<RunRecord | null>(null);
  const [revision, setRevision] = createSignal(0);
  const [recompiled, setRecompiled] = createSignal<RecompileSummary | null>(null);
  const [nonfinite, setNonfinite] = createSignal<NonFiniteReport | null>(null);
  const [pinned, setPinned] = createSignal<NodeId | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  const [files, setFiles] = createSignal<PickedFile[]>([]);
  const [runs, setRuns] = createSignal<RunSummary[]>([]);
  const [overlay, setOverlay] = createSignal<RunRecord[]>([]);

  let client: TrainingClient | null = null;
  let dataset = '';
  /** a reset was sent: the next 'idle' starts a new run record */
  let resetPending = false;
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  let recompileTimer: ReturnType<typeof setTimeout> | null = null;
  let compiledKey = '';
  /** the error shown is a failed recompile (cleared by the next one that works) */
  let recompileFailed = false;
  let disposed = false;

  const refreshRuns = () =>
    deps.runs.list().then(
      (list) => !disposed && setRuns(list),
      (e) => setError(`The runs list could not be read: ${messageOf(e)}`),
    );
  void refreshRuns();

  void deps.detectWebGPU().then((ok) => {
    setWebgpu(ok);
    if (ok) setBackend('webgpu');
    else setNotice('WebGPU is not available in this browser: training runs on the CPU backend (slower).');
  });

  const saveNow = async () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    const r = run();
    if (!r) return;
    r.updatedAt = Date.now();
    try {
      await deps.runs.put(r);
      await refreshRuns();
    } catch (e) {
      setError(`The run could not be saved: ${messageOf(e)}`);
    }
  };
  const saveSoon = () => {
    saveTimer ??= setTimeout(() => void saveNow(), deps.saveInterval ?? 2000);
  };

  const newRun = (doc: GraphDocument, session: SessionInfo): RunRecord => {
    const now = Date.now();
    const s = settings();
    return {
      id: `run-${now.toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
      title: `${doc.meta.title || 'Untitled'} · ${new Date(now).toLocaleTimeString('en-GB')}`,
      createdAt: now,
      updatedAt: now,
      doc: saveDocument(doc),
      seed: s.seed,
      config: runConfig(s),
      backend: session.backend,
      dataset,
      status: 'idle',
      series: emptySeries(),
      epochs: [],
    };
  };

  const runConfig = (s: RunSettings) => ({
    epochs: s.epochs,
    seed: s.seed,
    optimizer: {
      name: 'SGD',
      hyperparams: { lr: s.lr, momentum: 0.9 },
      clip: s.clipNorm ? { maxNorm: s.clipNorm } : null,
    },
  });

  const onState = (m: Extract<TrainMessage, { type: 'state' }>) => {
    if (state() === 'opening') return; // the session being replaced reports 'stopped' first
    batch(() => {
      setState(m.state);
      setStep(m.step);
      setEpoch(m.epoch);
    });
    if (resetPending && m.state === 'idle') {
      resetPending = false;
      const session = info();
      if (session) setRun(newRun(editor.doc(), session));
      setProgress(null);
      void saveNow();
      return;
    }
    const r = run();
    if (!r) return;
    if (r.status !== 'nonfinite' || m.state === 'running') r.status = m.state;
    if (m.state !== 'running') void saveNow();
  };

  const onProgress = (metrics: StepMetrics) => {
    const r = run();
    setProgress(metrics);
    setStep(metrics.step);
    if (r && appendStep(r.series, metrics)) {
      setRevision((v) => v + 1);
      saveSoon();
    }
  };

  const onEpoch = (metrics: EpochMetrics) => {
    const r = run();
    if (!r) return;
    r.epochs.push(epochRow(metrics, r.series.steps[r.series.steps.length - 1] ?? step()));
    setRevision((v) => v + 1);
    saveSoon();
  };

  const onNonFinite = (report: NonFiniteReport) => {
    const outer = report.node.split('/')[0] as NodeId;
    const node = editor.node(outer);
    batch(() => {
      setNonfinite(report);
      setPinned(node ? outer : null);
    });
    const r = run();
    if (r) r.status = 'nonfinite';
    // the popover on the canvas carries the details; the toast only announces it, and goes away
    editor.notify(
      'info',
      `Training paused at step ${report.step}: ${report.what} became non-finite in ${node ? titleOf(node) : report.node}.`,
    );
    void saveNow();
  };

  const listen = (c: TrainingClient) => {
    c.on('state', onState);
    c.on('progress', (m) => onProgress(m.metrics));
    c.on('epoch', (m) => onEpoch(m.metrics));
    c.on('nonfinite', (m) => onNonFinite(m.report));
    c.on('recompiled', (m) => {
      batch(() => {
        setRecompiled(summariseRecompile(m.report, m.optimizerStateKept));
        // an edit that did not compile has been followed by one that does
        if (recompileFailed) setError(null);
      });
      recompileFailed = false;
    });
    c.on('notice', (m) => setNotice(m.message));
    c.on('recovered', (m) =>
      setNotice(
        `The GPU device was lost (${m.reason}); training resumed from step ${m.fromStep}, ${m.lostSteps} step(s) redone.`,
      ),
    );
    c.on('error', (m) => {
      if (m.command === 'open') {
        if (state() === 'opening') return; // open's promise reports it
        // outside an open, only a crashed worker says this: the next Run starts a fresh one
        client?.terminate();
        client = null;
        batch(() => {
          setInfo(null);
          setState('stopped');
          setError(m.message);
        });
        return;
      }
      recompileFailed = m.command === 'recompile';
      setError(
        m.command === 'recompile'
          ? `The edited graph does not compile (${m.message}); training goes on with the graph as it was.`
          : `${m.command}: ${m.message}`,
      );
    });
  };

  const clientFor = () => {
    if (!client) {
      client = deps.createClient();
      listen(client);
    }
    return client;
  };

  /** Load data and compile in the worker; false when that failed (the error says why). */
  const openSession = async (): Promise<boolean> => {
    const doc = editor.doc();
    let trainable: ReturnType<typeof trainableDocument>;
    try {
      trainable = trainableDocument(doc, editor.catalog, files());
    } catch (e) {
      setError(messageOf(e));
      return false;
    }
    const c = clientFor();
    const wanted = backend();
    batch(() => {
      setState('opening');
      setError(null);
      setNotice(
        wanted === 'cpu' && webgpu() === false
          ? 'WebGPU is not available in this browser: training runs on the CPU backend (slower).'
          : null,
      );
      setNonfinite(null);
      setPinned(null);
      setRecompiled(null);
      setProgress(null);
    });
    dataset = trainable.dataset;
    const s = settings();
    try {
      const session = await c.open(trainable.doc, runConfig(s), wanted, filesByName(files()), {
        healthEvery: s.healthEvery,
      });
      compiledKey = structureKey(doc);
      batch(() => {
        setInfo(session);
        setRun(newRun(doc, session));
        setStep(0);
        setEpoch(0);
        setState('idle');
      });
      void saveNow();
      return true;
    } catch (e) {
      const node = (e as { node?: string }).node;
      if (node && editor.node(node as NodeId)) editor.setSelection([node as NodeId]);
      batch(() => {
        setInfo(null);
        setState('stopped');
        setError(messageOf(e));
      });
      return false;
    }
  };

  const ensureSession = async () => {
    if (state() === 'opening') return false;
    if (info() && state() !== 'done' && state() !== 'stopped') return true;
    return openSession();
  };

  const stopSession = () => {
    if (!client || !info()) return;
    client.stop();
    setInfo(null);
    void saveNow();
  };

  // edits while a session is open: recompile once typing/dragging settles (moves alone do not
  // count); opening another document ends the session instead, its run kept
  const txSubscription = editor.store.transactions$.subscribe((tx) => {
    if (!info() || !ACTIVE.includes(state()) || state() === 'opening') return;
    if (tx.origin === 'load') {
      stopSession();
      setNotice('Another document was opened: the training session stopped (its run is kept below).');
      return;
    }
    if (recompileTimer) clearTimeout(recompileTimer);
    recompileTimer = setTimeout(() => {
      recompileTimer = null;
      const doc = editor.store.doc;
      const key = structureKey(doc);
      if (key === compiledKey || !client || !info()) return;
      compiledKey = key;
      try {
        client.recompile(trainableDocument(doc, editor.catalog, files()).doc);
      } catch (e) {
        setError(messageOf(e));
      }
    }, deps.recompileDelay ?? 300);
  });

  const training: Training = {
    open,
    setOpen,
    webgpu,
    backend,
    setBackend,
    settings,
    setSettings: (s) => {
      const old = settings();
      setSettingsSignal({ ...old, ...s });
      // the health interval applies mid-run; the others when the next session opens
      if (s.healthEvery !== undefined && s.healthEvery !== old.healthEvery)
        client?.configureMonitor({ healthEvery: s.healthEvery });
    },
    state,
    step,
    epoch,
    info,
    progress,
    run,
    revision,
    recompiled,
    nonfinite,
    pinned,
    error,
    notice,
    files,
    runs,
    overlay,
    async toggleOverlay(id) {
      if (overlay().some((r) => r.id === id)) {
        setOverlay((list) => list.filter((r) => r.id !== id));
        return;
      }
      const record = await deps.runs.get(id);
      if (record) setOverlay((list) => [...list, record]);
    },
    async deleteRun(id) {
      if (run()?.id === id && ACTIVE.includes(state())) {
        setError('This run is still open: stop it before deleting it.');
        return;
      }
      setOverlay((list) => list.filter((r) => r.id !== id));
      await deps.runs.remove(id);
      await refreshRuns();
    },
    async openRunGraph(id) {
      const record = await deps.runs.get(id);
      if (!record) return;
      const loaded = editor.store.load(record.doc);
      if (loaded.ok) editor.notify('info', `Opened the graph of ${record.title}.`);
      else
        editor.notify(
          'error',
          `The graph of ${record.title} does not load any more: ${loaded.errors[0]?.message ?? 'unknown error'}`,
        );
    },
    async start() {
      if (state() === 'running') return;
      if (await ensureSession()) clientFor().run();
    },
    pause: () => client?.pause(),
    async stepBatch() {
      if (await ensureSession()) clientFor().stepBatch();
    },
    async stepEpoch() {
      if (await ensureSession()) clientFor().stepEpoch();
    },
    reset() {
      if (!client || !info() || state() === 'opening') return;
      resetPending = true;
      batch(() => {
        setNonfinite(null);
        setPinned(null);
        setError(null);
      });
      client.reset(settings().seed);
    },
    stop: stopSession,
    async addFiles(list) {
      const good: PickedFile[] = [];
      for (const f of list) {
        try {
          good.push(inspectIdxFile(f.name, await f.bytes()));
        } catch (e) {
          editor.notify('error', `Dataset file not used: ${messageOf(e)}`);
        }
      }
      if (good.length === 0) return;
      const names = new Set(good.map((f) => f.name));
      setFiles((old) => [...old.filter((f) => !names.has(f.name)), ...good]);
      editor.notify(
        'info',
        `Dataset: ${good.map((f) => `${f.name} (${f.role} ${f.dims.join('×')})`).join(', ')}`,
      );
    },
    removeFile: (name) => setFiles((old) => old.filter((f) => f.name !== name)),
    dismissNonFinite: () => setPinned(null),
    async applyFix(fix) {
      const edits = fixEdits(editor.doc(), editor.catalog, fix);
      if (edits.length > 0) {
        if (!editor.apply(edits, { label: fixLabels[fix] })) return;
        if (client && info()) {
          // recompile now rather than after the edit debounce, so the reset below trains the new settings
          if (recompileTimer) clearTimeout(recompileTimer);
          recompileTimer = null;
          compiledKey = structureKey(editor.doc());
          client.recompile(trainableDocument(editor.doc(), editor.catalog, files()).doc);
          training.reset();
          return;
        }
      } else {
        const s = settings();
        const next: RunSettings = fix === 'lower-lr' ? { ...s, lr: s.lr / 10 } : { ...s, clipNorm: 1 };
        setSettingsSignal(next);
        // the fallback optimizer is part of the session's config: open a new session with it
        if (client && info()) stopSession();
        setNotice(
          `The dock's SGD now uses lr ${next.lr}${next.clipNorm ? `, gradients clipped to norm ${next.clipNorm}` : ''}: press Run to start over.`,
        );
      }
      setPinned(null);
      setNonfinite(null);
    },
    dispose() {
      disposed = true;
      txSubscription.unsubscribe();
      if (recompileTimer) clearTimeout(recompileTimer);
      if (saveTimer) clearTimeout(saveTimer);
      client?.terminate();
      client = null;
    },
  };
  return training;
}
