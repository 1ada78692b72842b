// @vitest-environment happy-dom
/** The Export menu: clicking an entry produces the files (a PyTorch zip, an ONNX model), or a message why not. */
import { unzipSync } from 'fflate';
import { render } from 'solid-js/web';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../export/safetensors.ts';
import { GraphStore } from '../../graph/index.ts';
import { catalog } from '../../nodes/index.ts';
import { createEditor, type Editor } from '../state/editor.ts';
import { templates } from '../templates.ts';
import type { DownloadFile } from './export-files.ts';
import { ExportMenu } from './ExportMenu.tsx';

let dispose: (() => void) | undefined;

afterEach(() => {
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = '';
});

function mount(template: string, settings = { seed: 2, epochs: 3, lr: 0.05, healthEvery: 10 }) {
  const store = new GraphStore({ catalog });
  const loaded = store.load(templates[template]);
  if (!loaded.ok) throw new Error(loaded.errors[0].message);
  const root = document.createElement('div');
  document.body.append(root);
  const downloads: DownloadFile[] = [];
  let editor!: Editor;
  dispose = render(() => {
    editor = createEditor(store);
    return (
      <ExportMenu
        editor={editor}
        training={{ settings: () => settings, files: () => [] }}
        download={(f) => downloads.push(f)}
      />
    );
  }, root);
  return { editor, root, downloads };
}

const button = (root: HTMLElement, text: string) =>
  [...root.querySelectorAll('button')].find((b) => b.textContent?.startsWith(text)) as HTMLButtonElement;

/** Wait until the export in flight settles (the menu button is enabled again). */
async function settled(root: HTMLElement): Promise<void> {
  for (let i = 0; i < 600 && button(root, 'Export')?.disabled !== false; i++)
    await new Promise((r) => setTimeout(r, 50));
}

async function choose(root: HTMLElement, entry: string): Promise<void> {
  button(root, 'Export').click();
  expect(root.querySelector('[role="menu"]')).not.toBeNull();
  button(root, entry).click();
  await settled(root);
}

describe('the Export menu', () => {
  it('downloads model.py, train.py, the weights and the data as one zip for the Train button’s run', async () => {
    const { root, downloads, editor } = mount('mnist_mlp');
    await choose(root, 'PyTorch (model.py + train.py)');
    expect(downloads.map((f) => f.name)).toEqual(['MNIST_MLP_pytorch.zip']);
    const files = unzipSync(downloads[0].bytes);
    expect(Object.keys(files).sort()).toEqual([
      'MNIST_MLP_pytorch/data.npz',
      'MNIST_MLP_pytorch/model.py',
      'MNIST_MLP_pytorch/train.py',
      'MNIST_MLP_pytorch/weights.safetensors',
    ]);
    const text = (name: string) => new TextDecoder().decode(files[`MNIST_MLP_pytorch/${name}`]);
    expect(text('model.py')).toContain('class MNISTMLP(nn.Module)');
    // the Train button's run: MNIST in place of the Inputs, its seed and epochs, SGD at its lr
    expect(text('train.py')).toContain('EPOCHS = 3');
    expect(text('train.py')).toContain('SEED = 2');
    expect(text('train.py')).toContain('torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)');
    const weights = decodeSafetensors(files['MNIST_MLP_pytorch/weights.safetensors']);
    expect(weights.tensors.map((t) => t.name)).toEqual([
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'fc3.weight',
      'fc3.bias',
    ]);
    expect(weights.metadata.seed).toBe('2');
    expect(editor.messages().map((m) => m.text)).toEqual(['Exported MNIST_MLP_pytorch.zip']);
  }, 120_000);

  it('exports a graph with no data to train on as model.py alone, and says why', async () => {
    const { root, downloads, editor } = mount('transformer_encoder_post_norm');
    await choose(root, 'PyTorch (model.py + train.py)');
    const files = unzipSync(downloads[0].bytes);
    expect(Object.keys(files).map((f) => f.split('/')[1])).toEqual(['model.py', 'weights.safetensors']);
    expect(editor.messages()[0].text).toMatch(
      /no train.py: no data to train on: MNIST gives x .* the graph has no Input nodes of those shapes/,
    );
  });

  it('downloads the model as ONNX', async () => {
    const { root, downloads, editor } = mount('lenet');
    await choose(root, 'ONNX');
    expect(downloads.map((f) => f.name)).toEqual(['LeNet-5.onnx']);
    expect(downloads[0].bytes.length).toBeGreaterThan(61_706 * 4);
    expect(editor.messages().map((m) => m.kind)).toEqual(['info']);
  });

  it('names what cannot be exported, and downloads nothing', async () => {
    const { root, downloads, editor } = mount('lstm_language_model');
    await choose(root, 'PyTorch (model.py + train.py)');
    expect(downloads).toEqual([]);
    expect(editor.messages().map((m) => m.kind)).toEqual(['error']);
    expect(editor.messages()[0].text).toMatch(/PyTorch export failed: .*unsupported node types .*LSTM ×1/);
  });
});
