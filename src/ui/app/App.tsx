/**
 * The editor's frame: top bar, palette, canvas, inspector, model summary. Each panel sits in
 * an error boundary, so an exception in one never takes the document with it.
 */
import { createSignal, ErrorBoundary, type JSX, onCleanup, onMount, Show } from 'solid-js';
import { emptyDocument, saveDocument } from '../../graph/index.ts';
import { Canvas, type CanvasApi } from '../canvas/Canvas.tsx';
import { scopeOf } from '../canvas/scope.ts';
import { boundsOf, nodeHeight } from '../canvas/geometry.ts';
import { liveViewOf } from '../canvas/live.ts';
import { isTyping } from '../controllers/pointer.ts';
import { Inspector } from '../inspector/Inspector.tsx';
import { tidy } from '../layout/tidy.ts';
import { Palette } from '../palette/Palette.tsx';
import { Summary } from '../panels/Summary.tsx';
import {
  addNode,
  copySelection,
  deleteSelection,
  duplicateSelection,
  groupSelection,
  nudgeSelection,
  pasteText,
  placementFor,
  selectAll,
  ungroupSelection,
} from '../state/actions.ts';
import type { Editor } from '../state/editor.ts';
import { GalleryButton } from '../gallery/GalleryButton.tsx';
import { BackwardPanel } from '../stepper/BackwardPanel.tsx';
import { TrainingHealthOverlay } from '../stepper/TrainingHealth.tsx';
import { createTrainingWatch, watchingClients } from '../stepper/training-watch.ts';
import { browserTrainingDeps, createTraining } from '../training/state.ts';
import { TrainingButton, TrainingDock } from '../training/TrainingDock.tsx';
import { ExportMenu } from './ExportMenu.tsx';
import { Messages, PanelError, QuickAdd, ShortcutSheet } from './Overlays.tsx';
import { openText } from './open.ts';
import { handleShortcut, shortcutList } from './shortcuts.ts';

export type Theme = 'dark' | 'light';

function Guarded(props: { name: string; children: JSX.Element }) {
  return (
    <ErrorBoundary fallback={(error, reset) => <PanelError name={props.name} error={error} reset={reset} />}>
      {props.children}
    </ErrorBoundary>
  );
}

export function fitView(editor: Editor, size: { width: number; height: number }): void {
  const bounds = boundsOf(
    editor.doc().nodes.map((n) => ({ position: n.position, height: nodeHeight(editor.ports(n.id)) })),
  );
  if (!bounds || size.width === 0) return;
  const margin = 48;
  const k = Math.min(
    1.25,
    Math.max(
      0.1,
      Math.min((size.width - 2 * margin) / bounds.width, (size.height - 2 * margin) / bounds.height),
    ),
  );
  editor.setViewport({
    k,
    x: (size.width - bounds.width * k) / 2 - bounds.x * k,
    y: (size.height - bounds.height * k) / 2 - bounds.y * k,
  });
}

export function App(props: { editor: Editor; theme: () => Theme; setTheme: (t: Theme) => void }) {
  const { editor } = props;
  // the level open on the canvas (the graph, or a composite's inner graph): selection-based actions act there
  const view = () => scopeOf(editor).view();
  let canvas: CanvasApi | undefined;
  let searchInput: HTMLInputElement | undefined;
  let fileInput!: HTMLInputElement;
  const [help, setHelp] = createSignal(false);
  const [quick, setQuick] = createSignal<{
    screen: { x: number; y: number };
    world: { x: number; y: number };
  } | null>(null);
  const [tidying, setTidying] = createSignal(false);
  // gradient health and probes from the same training clients, for the canvas
  const trainingWatch = createTrainingWatch();
  const training = createTraining(editor, watchingClients(browserTrainingDeps(), trainingWatch));
  onCleanup(training.dispose);

  const add = (type: string) => {
    const at = canvas ? placementFor(view(), canvas.size()) : { x: 80, y: 80 };
    addNode(view(), type, at);
  };
  const doTidy = async () => {
    setTidying(true);
    try {
      if (await tidy(editor)) requestAnimationFrame(() => canvas && fitView(editor, canvas.size()));
    } finally {
      setTidying(false);
    }
  };
  const openFile = async (file: File) => {
    const text = await file.text();
    if (await openText(editor, text, file.name)) canvas && fitView(editor, canvas.size());
  };
  const saveFile = () => {
    const blob = new Blob([saveDocument(editor.doc())], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${(editor.doc().meta.title || 'graph').replace(/[^\w.-]+/g, '_')}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const shortcuts = shortcutList({
    undo: editor.undo,
    redo: editor.redo,
    copy: () => {},
    cut: () => {},
    paste: () => {},
    duplicate: () => duplicateSelection(view()),
    remove: () => deleteSelection(view()),
    selectAll: () => selectAll(view()),
    group: () => groupSelection(view()),
    ungroup: () => ungroupSelection(view()),
    quickAdd: () => {
      if (!canvas) return;
      const size = canvas.size();
      const world = canvas.pointerWorld() ?? canvas.toWorld(size.width / 2, size.height / 2);
      const v = editor.viewport();
      setQuick({ world, screen: { x: world.x * v.k + v.x, y: world.y * v.k + v.y } });
    },
    focusSearch: () => searchInput?.focus(),
    help: () => setHelp((h) => !h),
    tidy: () => void doTidy(),
    fit: () => canvas && fitView(view(), canvas.size()),
    live: () => {
      const live = liveViewOf(editor);
      live.setEnabled(!live.enabled());
    },
    escape: () => {
      setHelp(false);
      setQuick(null);
      view().setOpenIssue(null);
      view().setSelection([]);
      view().setSelectedEdge(null);
    },
    nudge: (dx, dy) => nudgeSelection(view(), dx, dy),
  });

  onMount(() => {
    const onKey = (e: KeyboardEvent) => handleShortcut(shortcuts, e);
    // the browser's clipboard events reach the system clipboard (and other tabs) without a permission prompt
    const onCopy = (e: ClipboardEvent) => {
      if (isTyping(e)) return;
      const text = copySelection(view());
      if (!text || !e.clipboardData) return;
      e.clipboardData.setData('text/plain', text);
      e.preventDefault();
      if (e.type === 'cut') deleteSelection(view());
    };
    const onPaste = (e: ClipboardEvent) => {
      if (isTyping(e)) return;
      const text = e.clipboardData?.getData('text/plain');
      if (!text) return;
      e.preventDefault();
      pasteText(view(), text);
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('copy', onCopy);
    document.addEventListener('cut', onCopy);
    document.addEventListener('paste', onPaste);
    onCleanup(() => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('cut', onCopy);
      document.removeEventListener('paste', onPaste);
    });
  });

  return (
    <div class="app" classList={{ 'training-open': training.open() }}>
      <header class="topbar" role="toolbar" aria-label="Editor">
        <div class="brand" aria-hidden="true">
          <span class="logo">◆</span> Shapeflow
        </div>
        <input
          class="doc-title"
          aria-label="Document title"
          value={editor.doc().meta.title}
          onChange={(e) =>
            editor.apply(
              { kind: 'setMeta', meta: { title: e.currentTarget.value.slice(0, 500) } },
              { label: 'Rename document' },
            )
          }
        />
        <div class="toolbar-group">
          <button
            type="button"
            onClick={editor.undo}
            disabled={!editor.history().canUndo}
            aria-label="Undo"
            title={editor.history().undoLabel ? `Undo ${editor.history().undoLabel}` : 'Undo'}
          >
            ↶ Undo
          </button>
          <button
            type="button"
            onClick={editor.redo}
            disabled={!editor.history().canRedo}
            aria-label="Redo"
            title={editor.history().redoLabel ? `Redo ${editor.history().redoLabel}` : 'Redo'}
          >
            ↷ Redo
          </button>
        </div>
        <div class="toolbar-group">
          <button type="button" onClick={() => void doTidy()} disabled={tidying()} aria-label="Tidy layout">
            ⇶ Tidy
          </button>
          <button
            type="button"
            onClick={() => canvas && fitView(view(), canvas.size())}
            aria-label="Fit graph in view"
          >
            ⤢ Fit
          </button>
        </div>
        <div class="toolbar-group">
          <button
            type="button"
            aria-label="New empty graph"
            onClick={() => {
              editor.store.load(emptyDocument());
              editor.setSelection([]);
            }}
          >
            New
          </button>
          <button type="button" onClick={() => fileInput.click()} aria-label="Open a graph file">
            Open…
          </button>
          <button type="button" onClick={saveFile} aria-label="Save the graph as a file">
            Save
          </button>
          <GalleryButton editor={editor} />
          <ExportMenu editor={editor} training={training} />
          <TrainingButton training={training} />
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            hidden
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              if (f) void openFile(f);
              e.currentTarget.value = '';
            }}
          />
        </div>
        <div class="spacer" />
        <StatusSummary editor={editor} />
        <button
          type="button"
          class="icon-button"
          aria-label={`Switch to ${props.theme() === 'dark' ? 'light' : 'dark'} theme`}
          onClick={() => props.setTheme(props.theme() === 'dark' ? 'light' : 'dark')}
        >
          {props.theme() === 'dark' ? '☀' : '☾'}
        </button>
        <button
          type="button"
          class="icon-button"
          aria-label="Keyboard shortcuts"
          onClick={() => setHelp(true)}
        >
          ?
        </button>
      </header>
      <Guarded name="palette">
        <Palette editor={editor} onAdd={add} ref={(el) => (searchInput = el)} />
      </Guarded>
      <main class="stage">
        <Guarded name="canvas">
          <Canvas
            editor={editor}
            onReady={(api) => {
              canvas = api;
              requestAnimationFrame(() => fitView(view(), api.size()));
            }}
            onDropType={(type, at) => addNode(view(), type, at)}
            onDropFile={(f) => void openFile(f)}
          />
        </Guarded>
        <Show when={quick()}>
          {(q) => (
            <QuickAdd
              editor={editor}
              at={q().screen}
              onPick={(type) => {
                addNode(view(), type, q().world);
                setQuick(null);
              }}
              onClose={() => setQuick(null)}
            />
          )}
        </Show>
      </main>
      <Guarded name="inspector">
        <Inspector editor={editor} />
      </Guarded>
      <Guarded name="summary">
        <Summary editor={editor} />
      </Guarded>
      <Guarded name="training">
        <TrainingDock editor={editor} training={training} />
      </Guarded>
      <Guarded name="backward">
        <BackwardPanel editor={editor} />
        <TrainingHealthOverlay editor={editor} watch={trainingWatch} />
      </Guarded>
      <Messages editor={editor} />
      <Show when={help()}>
        <ShortcutSheet shortcuts={shortcuts} onClose={() => setHelp(false)} />
      </Show>
    </div>
  );
}

/** Errors and warnings in the whole graph, at a glance. */
function StatusSummary(props: { editor: Editor }) {
  const count = (s: string) => props.editor.diagnostics().filter((d) => d.severity === s).length;
  return (
    <div class="graph-status" role="status" aria-label="Graph status" data-testid="graph-status">
      <Show when={count('error') + count('warning') > 0} fallback={<span class="ok">✓ shapes check</span>}>
        <Show when={count('error')}>
          <span class="err">
            {count('error')} error{count('error') > 1 ? 's' : ''}
          </span>
        </Show>
        <Show when={count('warning')}>
          <span class="warn">
            {count('warning')} warning{count('warning') > 1 ? 's' : ''}
          </span>
        </Show>
      </Show>
    </div>
  );
}
