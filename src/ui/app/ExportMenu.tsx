/**
 * The top bar's Export menu: "PyTorch (model.py + train.py)" downloads a zip of the model,
 * its training script, weights and data (the run the Train button would start, with its
 * seed, epochs and learning rate); "ONNX" downloads the model as an .onnx file. A graph that
 * cannot be exported gets a message naming why.
 */
import { createSignal, Show } from 'solid-js';
import type { Editor } from '../state/editor.ts';
import type { Training } from '../training/state.ts';
import { browserDownload, type DownloadFile, type ExportRun, onnxFile, pytorchZip } from './export-files.ts';
import './export-menu.css';

export interface ExportMenuProps {
  editor: Editor;
  /** the Train button's settings and picked files (defaults: seed 0, 5 epochs, lr 0.1) */
  training?: Pick<Training, 'settings' | 'files'>;
  /** where files go (the browser's download unless given) */
  download?: (file: DownloadFile) => void;
}

export function ExportMenu(props: ExportMenuProps) {
  const [open, setOpen] = createSignal(false);
  const [busy, setBusy] = createSignal<string | null>(null);
  const run = (): ExportRun => ({
    ...(props.training?.settings() ?? { seed: 0, epochs: 5, lr: 0.1 }),
    files: props.training?.files() ?? [],
  });
  const save = props.download ?? browserDownload;

  const exportAs = async (what: string, make: () => DownloadFile | Promise<DownloadFile>) => {
    setOpen(false);
    setBusy(what);
    try {
      const file = await make();
      save(file);
      props.editor.notify('info', `Exported ${file.name}${file.note ? ` (${file.note})` : ''}`);
    } catch (e) {
      props.editor.notify('error', `${what} export failed: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  const closeOnEscape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') setOpen(false);
  };

  return (
    <div class="export-menu">
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open()}
        disabled={busy() !== null}
        onClick={() => setOpen(!open())}
        onKeyDown={closeOnEscape}
      >
        {busy() ? `Exporting ${busy()}…` : 'Export'}
      </button>
      <Show when={open()}>
        <div class="export-menu-list" role="menu" aria-label="Export" onKeyDown={closeOnEscape}>
          <button
            type="button"
            role="menuitem"
            onClick={() =>
              void exportAs('PyTorch', () => pytorchZip(props.editor.doc(), props.editor.catalog, run()))
            }
          >
            PyTorch (model.py + train.py)
          </button>
          <button
            type="button"
            role="menuitem"
            onClick={() =>
              void exportAs('ONNX', () => onnxFile(props.editor.doc(), props.editor.catalog, run().seed))
            }
          >
            ONNX (.onnx)
          </button>
        </div>
      </Show>
    </div>
  );
}
