import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openTrainingSession, withDatasetForInputs } from '../training/session.ts';
import type { EpochMetrics, StepMetrics, TrainConfig } from '../engine/runtime/train.ts';
import type { NonFiniteReport } from '../engine/runtime/train-guard.ts';
import { loadDocument } from '../graph/schema.ts';
import { catalog } from '../nodes/index.ts';
import { backendByName } from './backends.ts';

export const trainHelp = `shapeflow train <doc.json> [--backend cpu|webgpu] [--epochs E] [--seed S]
  Trains the graph on its dataset node's data and prints metrics per epoch.
  --batch-size B     override the dataset node's batch_size (the size of N)
  --accumulate K     add up K micro-batches' gradients per optimizer step
  --optimizer NAME   when the graph has no optimizer node: SGD, Adam, ... with
  --lr X --momentum M --weight-decay W
  --data TYPE[:k=v,...]  feed the graph's Input nodes from a dataset node instead, e.g.
                     --data MNIST   or   --data IDXDataset:dir=/usr/share/datasets/fashion-mnist
                     (dir= names the folder of the four standard IDX files)
  --quiet            no progress bar`;

/** `IDXDataset:dir=/data,batch_size=256` → type and params (numbers and booleans parsed). */
export function parseDataFlag(flag: string): { type: string; params: Record<string, unknown> } {
  const [type, rest = ''] = flag.split(/:(.*)/s);
  const params: Record<string, unknown> = {};
  for (const pair of rest.split(',').filter(Boolean)) {
    const [k, v = ''] = pair.split(/=(.*)/s);
    params[k] =
      v === 'true' ? true : v === 'false' ? false : v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  if (typeof params.dir === 'string') {
    const dir = params.dir.replace(/\/$/, '');
    delete params.dir;
    params.train_images ??= `${dir}/train-images-idx3-ubyte.gz`;
    params.train_labels ??= `${dir}/train-labels-idx1-ubyte.gz`;
    params.test_images ??= `${dir}/t10k-images-idx3-ubyte.gz`;
    params.test_labels ??= `${dir}/t10k-labels-idx1-ubyte.gz`;
  }
  return { type, params };
}

const pct = (x: number | undefined) => (x === undefined ? '' : ` acc ${(100 * x).toFixed(2)}%`);

export function formatEpoch(m: EpochMetrics, epochs: number): string {
  const val = m.val ? `  val loss ${m.val.loss.toFixed(4)}${pct(m.val.accuracy)}` : '';
  return `epoch ${m.epoch + 1}/${epochs}  train loss ${m.trainLoss.toFixed(4)}${pct(m.trainAccuracy)}${val}  ${m.seconds.toFixed(1)} s  ${Math.round(m.samplesPerSec)} samples/s`;
}

export function formatNonFinite(r: NonFiniteReport): string {
  const stats = r.inputs.map(
    (i) =>
      `    ${i.name} [${i.stats.shape}]: min ${i.stats.min.toPrecision(4)} max ${i.stats.max.toPrecision(4)} mean ${i.stats.mean.toPrecision(4)} std ${i.stats.std.toPrecision(4)}, ${i.stats.nan} NaN, ${i.stats.inf} ±Inf`,
  );
  return [
    `non-finite ${r.what} at node ${r.node} (${r.phase}, step ${r.step}); training paused`,
    ...(stats.length ? ['  inputs:', ...stats] : []),
    '  try:',
    ...r.suggestions.map((s) => `    - ${s}`),
  ].join('\n');
}

function progressLine(m: StepMetrics, epochs: number): string {
  const width = 24;
  const done = Math.round((width * m.batch) / m.batchesPerEpoch);
  return `\repoch ${m.epoch + 1}/${epochs} [${'='.repeat(done)}${' '.repeat(width - done)}] ${m.batch}/${m.batchesPerEpoch}  loss ${m.loss.toFixed(4)}  ${Math.round(m.samplesPerSec)} samples/s  ETA ${Math.ceil(m.etaSec)} s `;
}

export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      backend: { type: 'string', default: 'cpu' },
      epochs: { type: 'string', default: '1' },
      seed: { type: 'string' },
      'batch-size': { type: 'string' },
      accumulate: { type: 'string' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      data: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (!file) {
    console.error(trainHelp);
    return 2;
  }
  const loaded = loadDocument(readFileSync(file, 'utf8'), catalog);
  if (!loaded.ok) {
    console.error(
      `${file}: not a valid Shapeflow document:\n${loaded.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`,
    );
    return 1;
  }
  const number = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name}: expected a number, got '${v}'`);
    return n;
  };
  const epochs = number('epochs', values.epochs) ?? 1;
  const config: Partial<TrainConfig> = { epochs };
  const seed = number('seed', values.seed);
  if (seed !== undefined) config.seed = seed;
  const batchSize = number('batch-size', values['batch-size']);
  if (batchSize !== undefined) config.batchSize = batchSize;
  const accumulate = number('accumulate', values.accumulate);
  if (accumulate !== undefined) config.accumulate = accumulate;
  if (values.optimizer) {
    const hyperparams: Record<string, unknown> = {};
    for (const [flag, name] of [
      ['lr', 'lr'],
      ['momentum', 'momentum'],
      ['weight-decay', 'weight_decay'],
    ] as const) {
      const v = number(flag, values[flag]);
      if (v !== undefined) hyperparams[name] = v;
    }
    config.optimizer = { name: values.optimizer, hyperparams };
  }
  const backend = await backendByName(values.backend!);
  let doc = loaded.doc;
  if (values.data) {
    const { type, params } = parseDataFlag(values.data);
    doc = withDatasetForInputs(doc, catalog, type, params);
  }
  const { trainer } = await openTrainingSession(doc, { catalog, backend, config });
  const tty = !values.quiet && process.stderr.isTTY;
  let stopping = false;
  const onInt = () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onInt);
  // in a log (no terminal) a plain progress line every 30 s instead of a redrawn bar
  let lastLogged = performance.now();
  trainer.on((e) => {
    if (e.type === 'step' && tty) process.stderr.write(progressLine(e.metrics, epochs));
    if (e.type === 'step' && !tty && !values.quiet && performance.now() - lastLogged > 30_000) {
      lastLogged = performance.now();
      console.error(
        progressLine(e.metrics, epochs)
          .slice(1)
          .replace(/\[=* *\] /, '')
          .trimEnd(),
      );
    }
    if (e.type === 'epoch') {
      if (tty) process.stderr.write('\r\x1b[K');
      console.log(formatEpoch(e.metrics, epochs));
    }
    if (e.type === 'recovered') console.error(`device lost (${e.reason}); resumed from step ${e.fromStep}`);
  });
  console.log(
    `training ${file} on ${backend.name}: ${trainer.plan.params.length} parameter tensors, batch ${trainer.config.batchSize}, ${trainer.batchesPerEpoch} batches per epoch`,
  );
  const started = performance.now();
  try {
    while (!trainer.done && !stopping) {
      const outcome = await trainer.trainStep();
      if (!outcome.ok) {
        if (tty) process.stderr.write('\n');
        console.error(formatNonFinite(outcome.report));
        return 1;
      }
    }
  } finally {
    process.off('SIGINT', onInt);
  }
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}
