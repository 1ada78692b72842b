/**
 * Entry point: restore the autosaved document (or open the default template, an MNIST MLP),
 * then mount the editor. Autosave runs after every transaction from then on.
 */
import { createSignal } from 'solid-js';
import { render } from 'solid-js/web';
import { GraphStore, saveDocument } from '../graph/index.ts';
import { App, type Theme } from './app/App.tsx';
import { readSnapshot, startAutosave } from './persist/autosave.ts';
import { exportHistory, importHistory } from './persist/history.ts';
import { openLinkInAddress } from './gallery/share-actions.ts';
import { createEditor } from './state/editor.ts';
import { templates } from './templates.ts';
import './theme.css';

const THEME_KEY = 'shapeflow-theme';

function initialTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

async function boot(root: HTMLElement): Promise<void> {
  const store = new GraphStore();
  const snapshot = await readSnapshot();
  let restored = false;
  if (snapshot) {
    restored = store.load(snapshot.doc).ok;
    if (restored && snapshot.history) importHistory(store, snapshot.history);
  }
  if (!restored) store.load(templates.mnist_mlp);

  const [theme, setThemeSignal] = createSignal<Theme>(initialTheme());
  const setTheme = (t: Theme) => {
    setThemeSignal(t);
    document.documentElement.dataset.theme = t;
    localStorage.setItem(THEME_KEY, t);
  };
  document.documentElement.dataset.theme = theme();

  render(() => {
    const editor = createEditor(store);
    const autosave = startAutosave(editor, () => ({
      doc: saveDocument(store.doc),
      history: exportHistory(store),
      savedAt: Date.now(),
    }));
    // hooks for the end-to-end tests and the UI benchmark
    (window as unknown as { shapeflow: unknown }).shapeflow = { editor, store, autosave };
    // a shared link in the address opens as a fork; a bad one leaves the document and says why
    if (!openLinkInAddress(editor) && restored) editor.notify('info', 'Restored your last session.');
    return <App editor={editor} theme={theme} setTheme={setTheme} />;
  }, root);
}

const root = document.getElementById('app');
if (root) void boot(root);
