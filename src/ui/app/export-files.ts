/**
 * What the editor's Export menu downloads: a zip of model.py, train.py, the weights and the
 * data (the run the Train button would start: the same dataset in place of Input nodes, the
 * same seed, epochs and default optimizer), or an ONNX model.
 */
import { zipSync } from 'fflate';
import type { TrainConfig } from '../../engine/runtime/train.ts';
import { exportOnnx, OnnxExportError } from '../../export/onnx/index.ts';
import { exportPyTorch } from '../../export/pytorch.ts';
import { exportPyTorchTraining, NotTrainableError, pytorchFiles } from '../../export/pytorch_train.ts';
import type { GraphDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import type { DatasetIO } from '../../nodes/sources/dataset.ts';
import { type PickedFile, trainableDocument } from '../training/datasets.ts';

export interface DownloadFile {
  name: string;
  type: string;
  bytes: Uint8Array;
  /** why part of the export was left out (train.py for a graph that cannot train) */
  note?: string;
}

/** The Train button's settings, which train.py repeats. */
export interface ExportRun {
  seed: number;
  epochs: number;
  /** the SGD (momentum 0.9) learning rate for a graph with no optimizer node */
  lr: number;
  /** IDX files the user picked for the dataset */
  files: readonly PickedFile[];
}

/** `LeNet-5` → `LeNet-5`, `a/b: c` → `a_b_c`: a file name from the document title. */
export function fileStem(doc: GraphDocument): string {
  return (doc.meta?.title ?? 'model').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'model';
}

/** Dataset files come from what the user picked, by name (as the training worker reads them). */
const pickedIO = (files: readonly PickedFile[]): DatasetIO => ({
  async readFile(path) {
    const file = files.find((f) => f.name === path);
    if (!file) throw new Error(`no file named '${path}' was given: pick or drop it first`);
    return file.bytes;
  },
});

/** The document the Train button would train (a dataset in place of its Inputs), or why there is none. */
function trainedDocument(doc: GraphDocument, catalog: Catalog, run: ExportRun): GraphDocument {
  try {
    return trainableDocument(doc, catalog, run.files).doc;
  } catch (e) {
    throw new NotTrainableError(`no data to train on: ${(e as Error).message}`);
  }
}

/** model.py, train.py, weights.safetensors and data.npz in one zip under `<title>_pytorch/`. */
export async function pytorchZip(
  doc: GraphDocument,
  catalog: Catalog,
  run: ExportRun,
): Promise<DownloadFile> {
  const stem = fileStem(doc);
  let files: Record<string, Uint8Array>;
  let note: string | undefined;
  const config: Partial<TrainConfig> = {
    epochs: run.epochs,
    optimizer: { name: 'SGD', hyperparams: { lr: run.lr, momentum: 0.9 } },
  };
  try {
    const result = await exportPyTorchTraining(trainedDocument(doc, catalog, run), catalog, {
      seed: run.seed,
      config,
      io: pickedIO(run.files),
    });
    files = pytorchFiles(result);
  } catch (e) {
    // a graph that cannot train still exports its model
    if (!(e instanceof NotTrainableError)) throw e;
    files = pytorchFiles(exportPyTorch(doc, catalog, { seed: run.seed }));
    note = `no train.py: ${e.message}`;
  }
  const entries = Object.fromEntries(
    Object.entries(files).map(([name, bytes]) => [
      `${stem}_pytorch/${name}`,
      // data.npz is compressed already
      [bytes, { level: name.endsWith('.npz') ? 0 : 6 }] as [Uint8Array, { level: 0 | 6 }],
    ]),
  );
  return { name: `${stem}_pytorch.zip`, type: 'application/zip', bytes: zipSync(entries), note };
}

/** The model as ONNX (opset 17) with Shapeflow's initial weights for the seed. */
export function onnxFile(doc: GraphDocument, catalog: Catalog, seed: number): DownloadFile {
  const bytes = exportOnnx(doc, catalog, { seed });
  if (bytes instanceof OnnxExportError) throw bytes;
  return { name: `${fileStem(doc)}.onnx`, type: 'application/octet-stream', bytes };
}

/** Save a file through the browser's download. */
export function browserDownload(file: DownloadFile): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([file.bytes as BlobPart], { type: file.type }));
  a.download = file.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
