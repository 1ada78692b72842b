import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainConfig } from '../engine/runtime/train.ts';
import { exportOnnx, OnnxExportError } from '../export/onnx/index.ts';
import { exportPyTorch, type PyTorchExport } from '../export/pytorch.ts';
import {
  exportPyTorchTraining,
  NotTrainableError,
  type PyTorchTrainingExport,
  pytorchFiles,
} from '../export/pytorch_train.ts';
import type { GraphDocument } from '../graph/document.ts';
import { loadDocument } from '../graph/schema.ts';
import { catalog } from '../nodes/index.ts';
import { withDatasetForInputs } from '../training/session.ts';
import { parseDataFlag } from './train.ts';

export const exportHelp = `shapeflow export <doc.json> --to pytorch|onnx [--weights file.safetensors] [--out PATH]
  --to pytorch   writes DIR/model.py (an nn.Module whose layers and forward mirror the graph),
                 DIR/weights.safetensors (its state_dict), and, when the graph trains, DIR/train.py
                 with DIR/data.npz (the data, in Shapeflow's batch order): \`python train.py\`, or
                 \`torchrun --nproc_per_node=K train.py --ddp\`. DIR defaults to <doc>_pytorch.
  --to onnx      writes an ONNX model (opset 17, weights as initializers) to PATH (default <doc>.onnx).
  --weights F    trained weights (safetensors, e.g. from shapeflow train) instead of the initial
                 ones Shapeflow draws from the seed
  --seed S       the seed of the initial weights and the batch order (default: the dataset node's, else 0)
  The run train.py repeats, as for shapeflow train:
  --epochs E --batch-size B --accumulate K
  --data TYPE[:k=v,...]  feed the graph's Input nodes from a dataset node, e.g. --data MNIST
  --optimizer NAME --lr X --momentum M --weight-decay W   when the graph has no optimizer node`;

const integer = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`--${flag}: expected an integer, got '${value}'`);
  return n;
};

const number = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${flag}: expected a number, got '${value}'`);
  return n;
};

type Flags = Record<string, string | undefined>;

/** The run config the flags set (the rest comes from the document's dataset node). */
function runConfig(values: Flags): Partial<TrainConfig> {
  const config: Partial<TrainConfig> = {};
  const epochs = integer('epochs', values.epochs);
  const batchSize = integer('batch-size', values['batch-size']);
  const accumulate = integer('accumulate', values.accumulate);
  if (epochs !== undefined) config.epochs = epochs;
  if (batchSize !== undefined) config.batchSize = batchSize;
  if (accumulate !== undefined) config.accumulate = accumulate;
  if (values.optimizer) {
    const hyperparams: Record<string, unknown> = {};
    const lr = number('lr', values.lr);
    const momentum = number('momentum', values.momentum);
    const weightDecay = number('weight-decay', values['weight-decay']);
    if (lr !== undefined) hyperparams.lr = lr;
    if (momentum !== undefined) hyperparams.momentum = momentum;
    if (weightDecay !== undefined) hyperparams.weight_decay = weightDecay;
    config.optimizer = { name: values.optimizer, hyperparams };
  }
  return config;
}

async function writePyTorch(doc: GraphDocument, file: string, values: Flags, weights?: Uint8Array) {
  const seed = integer('seed', values.seed);
  const out = values.out ?? `${basename(file).replace(/\.json$/, '')}_pytorch`;
  let result: PyTorchExport & Partial<PyTorchTrainingExport>;
  let training: string;
  try {
    result = await exportPyTorchTraining(doc, catalog, { seed, weights, config: runConfig(values) });
    const { epochs, batchSize } = result.config as TrainConfig;
    training = `train.py: ${epochs} epoch${epochs === 1 ? '' : 's'} of batch ${batchSize}, seed ${result.config?.seed}`;
  } catch (e) {
    // a graph that cannot train (no data, no optimizer) still exports its model
    if (!(e instanceof NotTrainableError)) throw e;
    result = exportPyTorch(doc, catalog, { seed, weights });
    training = `no train.py: ${e.message}`;
  }
  mkdirSync(out, { recursive: true });
  const files = pytorchFiles(result);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(out, name), bytes);
  const count = result.stateDict.reduce((n, t) => n + t.data.length, 0);
  console.log(
    `wrote ${Object.keys(files)
      .map((f) => join(out, f))
      .join(
        ', ',
      )}\nmodel.py: class ${result.className}, ${result.stateDict.length} tensors, ${count.toLocaleString('en-US')} parameters\n${training}`,
  );
}

function writeOnnx(doc: GraphDocument, file: string, values: Flags, weights?: Uint8Array) {
  const out = values.out ?? `${basename(file).replace(/\.json$/, '')}.onnx`;
  const bytes = exportOnnx(doc, catalog, { weights, seed: integer('seed', values.seed) });
  if (bytes instanceof OnnxExportError) throw bytes;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  console.log(`wrote ${out} (${bytes.length.toLocaleString('en-US')} bytes, ONNX opset 17)`);
}

export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: Object.fromEntries(
      [
        'to',
        'out',
        'seed',
        'weights',
        'epochs',
        'batch-size',
        'accumulate',
        'data',
        'optimizer',
        'lr',
        'momentum',
        'weight-decay',
      ].map((name) => [name, { type: 'string' as const }]),
    ),
  });
  const file = positionals[0];
  if (!file || !values.to) {
    console.error(exportHelp);
    return 2;
  }
  if (values.to !== 'pytorch' && values.to !== 'onnx')
    throw new Error(`--to ${values.to}: expected 'pytorch' or 'onnx'`);
  const loaded = loadDocument(readFileSync(file, 'utf8'), catalog);
  if (!loaded.ok) {
    console.error(
      `${file}: not a valid Shapeflow document:\n${loaded.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`,
    );
    return 1;
  }
  let doc = loaded.doc;
  if (values.data) {
    const { type, params } = parseDataFlag(values.data);
    doc = withDatasetForInputs(doc, catalog, type, params);
  }
  const weights = values.weights ? new Uint8Array(readFileSync(values.weights)) : undefined;
  if (values.to === 'onnx') writeOnnx(doc, file, values, weights);
  else await writePyTorch(doc, file, values, weights);
  return 0;
}
