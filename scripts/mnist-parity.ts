/**
 * The MNIST acceptance recipe (test/training/fixtures/mnist-mlp.json: the 784-128-64-10 MLP on
 * the seeded 8,000 / 2,000 split, SGD lr 0.1 momentum 0.9, batch 64) trained four ways per seed,
 * with the test accuracy after each epoch:
 *
 *   ours       Shapeflow's trainer on the CPU backend (what test/training/mnist.test.ts runs)
 *   train.py   the exported train.py: Shapeflow's initial weights and batch order, in PyTorch
 *   torch      the textbook PyTorch loop (scripts/mnist-parity.py): PyTorch's own init and shuffle
 *   torch-std  the same with pixels standardised as torchvision's MNIST example does
 *
 *   npx tsx scripts/mnist-parity.ts [--seeds 0-9] [--epochs 20] [--json results.json]
 *
 * Needs Debian's PyTorch at /usr/bin/python3. Runs one training at a time, one thread each.
 * docs/mnist-parity.md has the results and what they mean.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuBackend } from '../src/engine/index.ts';
import { type TrainConfig, Trainer } from '../src/engine/runtime/train.ts';
import { exportPyTorchTraining, prepareTraining, pytorchFiles } from '../src/export/pytorch_train.ts';
import type { GraphDocument } from '../src/graph/document.ts';
import { loadDocument } from '../src/graph/schema.ts';
import { catalog } from '../src/nodes/index.ts';
import { compilerFor } from '../src/training/session.ts';

const PYTHON = '/usr/bin/python3';
const root = new URL('../', import.meta.url).pathname;
const FIXTURE = join(root, 'test/training/fixtures/mnist-mlp.json');
const env = { ...process.env, OMP_NUM_THREADS: '1' };
/** a 20-epoch PyTorch run takes about a minute; one that takes ten has gone wrong */
const RUN_LIMIT_MS = 600_000;

const RUNS = ['ours', 'train.py', 'torch', 'torch-std'] as const;
type RunName = (typeof RUNS)[number];

interface SeedResult {
  seed: number;
  /** test accuracy after each epoch, by run */
  accuracy: Record<RunName, number[]>;
  /** leading optimizer steps whose losses ours and train.py share to 1e-4 (relative) */
  stepsAgreeing: number;
  steps: number;
}

function parseSeeds(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) {
    const [first, last] = [Number(range[1]), Number(range[2])];
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }
  const seeds = text.split(',').map(Number);
  if (seeds.some((s) => !Number.isInteger(s)))
    throw new Error(`--seeds: expected a range (0-9) or a list (0,1,2), got '${text}'`);
  return seeds;
}

function loadFixture(): GraphDocument {
  const loaded = loadDocument(readFileSync(FIXTURE, 'utf8'), catalog);
  if (!loaded.ok) throw new Error(`${FIXTURE}: ${loaded.errors.map((e) => e.message).join('; ')}`);
  return loaded.doc;
}

/** The JSON lines a Python run printed. */
const jsonLines = (stdout: string): Record<string, number>[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

function python(args: string[], cwd: string): Record<string, number>[] {
  const stdout = execFileSync(PYTHON, args, {
    cwd,
    env,
    encoding: 'utf8',
    timeout: RUN_LIMIT_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  return jsonLines(stdout);
}

/** Shapeflow's run of the exported setup: the step losses and the test accuracy after each epoch. */
async function trainOurs(doc: GraphDocument, seed: number, epochs: number) {
  const setup = await prepareTraining(doc, catalog, { seed, config: { epochs, evalBatchSize: 500 } });
  const trainer = new Trainer(compilerFor(doc, catalog), setup.data.feed, cpuBackend, setup.config);
  const losses: number[] = [];
  const accuracy: number[] = [];
  trainer.on((e) => {
    if (e.type === 'step') losses.push(e.metrics.loss);
    if (e.type === 'epoch') accuracy.push(e.metrics.val?.accuracy ?? Number.NaN);
  });
  while (!trainer.done) {
    const outcome = await trainer.trainEpoch();
    if (!outcome.ok) throw new Error(`seed ${seed}: a non-finite ${outcome.report.what}`);
  }
  return { losses, accuracy };
}

/** How many leading steps two loss curves share to `rtol`. */
function leadingAgreement(a: number[], b: number[], rtol = 1e-4): number {
  let n = 0;
  while (n < Math.min(a.length, b.length) && Math.abs(a[n] - b[n]) <= rtol * Math.max(1, Math.abs(b[n]))) n++;
  return n;
}

async function runSeed(doc: GraphDocument, seed: number, epochs: number): Promise<SeedResult> {
  const exported = await exportPyTorchTraining(doc, catalog, { seed, config: { epochs } });
  const dir = mkdtempSync(join(tmpdir(), `shapeflow-mnist-parity-${seed}-`));
  for (const [name, bytes] of Object.entries(pytorchFiles(exported))) writeFileSync(join(dir, name), bytes);
  const config = exported.config as TrainConfig;
  const sgd = doc.nodes.find((n) => n.type === 'SGD')?.params ?? {};
  const recipe = [
    ...['--seed', String(seed), '--epochs', String(epochs), '--batch-size', String(config.batchSize)],
    ...['--lr', String(sgd.lr), '--momentum', String(sgd.momentum)],
  ];
  const textbook = (extra: string[]) =>
    python([join(root, 'scripts/mnist-parity.py'), dir, ...recipe, ...extra], dir).map((l) => l.val_accuracy);

  const ours = await trainOurs(doc, seed, epochs);
  const mirror = python([join(dir, 'train.py')], dir);
  const mirrorSteps = mirror.filter((l) => 'step' in l).map((l) => l.loss);
  return {
    seed,
    accuracy: {
      ours: ours.accuracy,
      'train.py': mirror.filter((l) => 'val_accuracy' in l).map((l) => l.val_accuracy),
      torch: textbook([]),
      'torch-std': textbook(['--normalise']),
    },
    stepsAgreeing: leadingAgreement(ours.losses, mirrorSteps),
    steps: ours.losses.length,
  };
}

const percent = (x: number) => (100 * x).toFixed(2);

function meanSd(xs: number[]) {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, sd };
}

/** One markdown table: a row per seed, then mean ± sd, at one epoch. */
function table(results: SeedResult[], epoch: number): string {
  const rows = results.map(
    (r) => `| ${r.seed} | ${RUNS.map((run) => percent(r.accuracy[run][epoch - 1])).join(' | ')} |`,
  );
  const summary = RUNS.map((run) => {
    const { mean, sd } = meanSd(results.map((r) => r.accuracy[run][epoch - 1]));
    return `**${percent(mean)} ± ${percent(sd)}**`;
  });
  return [
    `Test accuracy (%) after ${epoch} epoch${epoch === 1 ? '' : 's'}:`,
    '',
    `| seed | ${RUNS.join(' | ')} |`,
    `|---|${RUNS.map(() => '---').join('|')}|`,
    ...rows,
    `| mean ± sd | ${summary.join(' | ')} |`,
  ].join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '0-9' },
      epochs: { type: 'string', default: '20' },
      json: { type: 'string' },
    },
  });
  const seeds = parseSeeds(values.seeds);
  const epochs = Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`--epochs: expected a positive integer, got '${values.epochs}'`);
  const doc = loadFixture();
  const results: SeedResult[] = [];
  for (const seed of seeds) {
    const started = Date.now();
    const result = await runSeed(doc, seed, epochs);
    results.push(result);
    const last = RUNS.map((run) => `${run} ${percent(result.accuracy[run][epochs - 1])}`).join(', ');
    console.error(
      `seed ${seed}: after ${epochs} epochs ${last}; ours and train.py share the first ${result.stepsAgreeing} of ${result.steps} step losses (${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 1)}\n`);
  const reported = [5, 10, 20].filter((e) => e <= epochs);
  console.log(reported.map((e) => table(results, e)).join('\n\n'));
  const agreeing = results.map((r) => r.stepsAgreeing);
  console.log(
    `\nours and train.py (same initial weights, same batches) share the first ${Math.min(...agreeing)}–${Math.max(...agreeing)} step losses to 1e-4 of ${results[0].steps}.`,
  );
}

await main();
