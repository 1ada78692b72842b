/**
 * Graph document → a PyTorch training script: `train.py` next to `model.py`, with the data
 * Shapeflow trains on (`data.npz`: the dataset node's loaded splits and the order Shapeflow's
 * batch sampler visits the training samples in, epoch by epoch) and the weights it starts from.
 *
 * train.py repeats Shapeflow's run step for step: the same initial weights, the same batches
 * in the same order, the loss, the optimizer with the same hyper-parameters, the scheduler
 * stepped as often, gradient clipping and accumulation. Under
 * `torchrun --nproc_per_node=K train.py --ddp` a DistributedSampler splits each batch over
 * the K processes and DistributedDataParallel averages their gradients, so a step still sees
 * the graph's batch (BatchNorm then normalises over each process's share).
 */
import type { Plan, PlanOptimizer, PlanScheduler } from '../engine/compile/plan.ts';
import { withDefaultOptimizer } from '../engine/compile/plan.ts';
import { optimizerDefs } from '../engine/runtime/optimizers/index.ts';
import { createScheduler } from '../engine/runtime/schedulers/index.ts';
import type { TrainConfig } from '../engine/runtime/train.ts';
import { epochBatches, type SampleArray } from '../engine/runtime/train-data.ts';
import { DocumentIndex, type GraphDocument, type GraphNode } from '../graph/document.ts';
import type { Catalog } from '../nodes/catalog.ts';
import { defaultsOf } from '../nodes/define.ts';
import type { DatasetIO } from '../nodes/sources/dataset.ts';
import { type DocumentData, loadDocumentData } from '../training/feed.ts';
import { compilerFor } from '../training/session.ts';
import {
  ExportError,
  exportPyTorch,
  identifierMaker,
  type PyTorchExport,
  pythonLiteral,
  sourceStem,
} from './pytorch.ts';
import { encodeNpz, type NpyArray } from './pytorch_data.ts';

export interface TrainingExportOptions {
  /** the seed of the initial weights and the shuffle order (default: the dataset node's) */
  seed?: number;
  /** the run: epochs, batch size, and an optimizer when the graph has no optimizer node */
  config?: Partial<TrainConfig>;
  /** trained weights (safetensors) to ship instead of the initial ones */
  weights?: Uint8Array;
  /** where dataset nodes read files */
  io?: DatasetIO;
  /** data for the graph's Input nodes, by `<node id>:output`, when no dataset node feeds them */
  inputs?: { train: Record<string, SampleArray>; val?: Record<string, SampleArray> };
}

/** Why train.py cannot be written (the graph has no data or no optimizer); model.py still can. */
export class NotTrainableError extends ExportError {
  constructor(message: string) {
    super(message);
    this.name = 'NotTrainableError';
  }
}

/** What a Shapeflow run of the document uses, and so what train.py must repeat. */
export interface TrainingSetup {
  data: DocumentData;
  config: TrainConfig;
  /** compiled for the batch size, with the run's optimizer */
  plan: Plan;
}

export interface PyTorchTrainingExport extends PyTorchExport {
  trainPy: string;
  /** data.npz */
  data: Uint8Array;
  config: TrainConfig;
}

/** The files of an export, by name, as the CLI writes them and the editor zips them. */
export function pytorchFiles(
  result: PyTorchExport & Partial<PyTorchTrainingExport>,
): Record<string, Uint8Array> {
  const text = (s: string) => new TextEncoder().encode(s);
  return {
    'model.py': text(result.modelPy),
    'weights.safetensors': result.weights,
    ...(result.trainPy ? { 'train.py': text(result.trainPy) } : {}),
    ...(result.data ? { 'data.npz': result.data } : {}),
  };
}

/** Load the document's data and settle the run config, as `shapeflow train` would. */
export async function prepareTraining(
  doc: GraphDocument,
  catalog: Catalog,
  options: TrainingExportOptions = {},
): Promise<TrainingSetup> {
  const data = await loadDocumentData(doc, catalog, options.io, options.inputs ?? { train: {} });
  if (!data.datasets.length && !options.inputs) {
    throw new NotTrainableError(
      'train.py needs the data the graph trains on: the graph has no dataset node (MNIST, CSVDataset, TwoSpirals, ...); connect one, or export with --data MNIST',
    );
  }
  const symbolN = Number(doc.meta?.symbols?.N);
  const config: TrainConfig = {
    batchSize: data.datasets.length || !Number.isInteger(symbolN) ? data.sampler.batchSize : symbolN,
    shuffle: data.sampler.shuffle,
    seed: data.sampler.seed,
    epochs: 1,
    ...options.config,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
  const plan = compilerFor(doc, catalog)({ N: config.batchSize });
  if (!plan.optimizers.length && config.optimizer) withDefaultOptimizer(plan, config.optimizer);
  if (!plan.optimizers.length)
    throw new NotTrainableError(
      'train.py needs an optimizer: wire an optimizer node (SGD, Adam, ...) to the loss, or export with --optimizer SGD --lr 0.1',
    );
  return { data, config, plan };
}

/** model.py, train.py, the weights and the data: a run of the document, in PyTorch. */
export async function exportPyTorchTraining(
  doc: GraphDocument,
  catalog: Catalog,
  options: TrainingExportOptions = {},
): Promise<PyTorchTrainingExport> {
  const setup = await prepareTraining(doc, catalog, options);
  const { config, plan } = setup;
  const model = exportPyTorch(doc, catalog, { seed: config.seed, weights: options.weights });
  if (plan.optimizers.length !== 1) {
    throw new ExportError(
      `train.py runs one optimizer; the graph has ${plan.optimizers.length} (${plan.optimizers.map((o) => o.node).join(', ')})`,
    );
  }
  const optimizer = plan.optimizers[0];
  const index = new DocumentIndex(doc);
  const lossNode = index.nodes.get(optimizer.lossNode as GraphNode['id']) as GraphNode;
  const loss = lossCall(lossNode, catalog);

  // the batch: the model's inputs, then the loss targets the data feeds
  const columns = model.inputs.map((i) => ({ name: i.arg, node: i.node as string, port: i.port }));
  const edge = (port: string) => index.edgeInto(lossNode.id, port);
  const prediction = edge('input');
  const outputIndex = model.outputs.findIndex(
    (o) => o.node === prediction?.from.node && o.port === prediction?.from.port,
  );
  if (outputIndex < 0)
    throw new ExportError(`${lossNode.type} (${lossNode.id}): its input is not a model output`);
  const target = edge('target');
  const source =
    target && plan.sources.find((s) => s.node === target.from.node && s.port === target.from.port);
  if (!source)
    throw new ExportError(
      `${lossNode.type} (${lossNode.id}): train.py takes the loss target from the data; this one is computed by the graph`,
    );
  let targetColumn = columns.find((c) => c.node === source.node && c.port === source.port);
  if (!targetColumn) {
    const name = identifierMaker(columns.map((c) => c.name));
    const stem = sourceStem(index.nodes.get(source.node as GraphNode['id']) as GraphNode, source.port);
    targetColumn = { name: name(stem), node: source.node, port: source.port };
    columns.push(targetColumn);
  }

  const npz = dataArrays(setup, columns);
  const trainPy = renderTrainScript({
    title: doc.meta?.title ?? model.className,
    config,
    columns: columns.map((c) => c.name),
    samples: setup.data.feed.size('train'),
    valSamples: setup.data.feed.size('val'),
    datasets: setup.data.datasets.map((id) => index.nodes.get(id as GraphNode['id'])?.type ?? id),
    forwardArgs: model.inputs.map((i) => i.arg),
    outputs: model.outputs.length,
    outputIndex,
    target: targetColumn.name,
    loss,
    optimizer: optimizerCode(optimizer, model, plan),
    definitions: OWN_OPTIMIZERS[optimizer.name] ? `${OWN_OPTIMIZERS[optimizer.name]}\n\n` : '',
    scheduler: optimizer.scheduler ? schedulerCode(optimizer.scheduler, optimizer) : null,
    clip: optimizer.clip,
    accumulate: config.accumulate ?? optimizer.accumulate,
    crossEntropy: lossNode.type === 'CrossEntropyLoss',
    batchNorm: doc.nodes.some((n) => n.type.startsWith('BatchNorm')),
  });
  return { ...model, trainPy, data: encodeNpz(npz), config };
}

/** data.npz: each column of both splits, and the training order of every epoch. */
function dataArrays(setup: TrainingSetup, columns: { name: string; node: string; port: string }[]) {
  const { data, config, plan } = setup;
  const arrays: Record<string, NpyArray> = {};
  for (const split of ['train', 'val'] as const) {
    const n = data.feed.size(split);
    if (n === 0) continue;
    const all = Int32Array.from({ length: n }, (_, i) => i);
    for (const c of columns) {
      const source = plan.sources.find((s) => s.node === c.node && s.port === c.port);
      if (!source) throw new ExportError(`no data source for ${c.node} output '${c.port}'`);
      const batch = data.feed.batch(split, all, [source]).get(source.key);
      if (batch) arrays[`${split}_${c.name}`] = { data: batch.data, shape: batch.shape };
    }
  }
  const n = data.feed.size('train');
  const order = new Int32Array(config.epochs * n);
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const batches = epochBatches(n, config.batchSize, config.shuffle ?? true, config.seed, epoch);
    let at = epoch * n;
    for (const b of batches) {
      order.set(b, at);
      at += b.length;
    }
  }
  arrays.order = { data: order, shape: [config.epochs, n] };
  return arrays;
}

const LOSS_ARGS: Record<string, Record<string, unknown>> = {
  CrossEntropyLoss: { ignore_index: -100, reduction: 'mean', label_smoothing: 0 },
  NLLLoss: { ignore_index: -100, reduction: 'mean' },
  MSELoss: { reduction: 'mean' },
  L1Loss: { reduction: 'mean' },
  HuberLoss: { reduction: 'mean', delta: 1 },
  SmoothL1Loss: { reduction: 'mean', beta: 1 },
  BCELoss: { reduction: 'mean' },
  BCEWithLogitsLoss: { reduction: 'mean' },
  KLDivLoss: { reduction: 'mean', log_target: false },
};

/** A loss node as its nn module, keywords left out at PyTorch's defaults. */
function lossCall(node: GraphNode, catalog: Catalog): string {
  const defaults = LOSS_ARGS[node.type];
  if (!defaults)
    throw new ExportError(
      `train.py: the loss ${node.type} (${node.id}) has no PyTorch form here (supported: ${Object.keys(LOSS_ARGS).join(', ')})`,
    );
  const def = catalog.get(node.type);
  const params = { ...(def ? defaultsOf(def) : {}), ...node.params };
  if (params.reduction === 'none')
    throw new ExportError(`${node.type} (${node.id}): reduction 'none' gives no single loss to minimise`);
  const args = Object.entries(defaults)
    .filter(([k, v]) => k in params && JSON.stringify(params[k]) !== JSON.stringify(v))
    .map(([k]) => `${k}=${pythonLiteral(params[k])}`);
  return `nn.${node.type}(${args.join(', ')})`;
}

/** Optimizers torch.optim has under the same name and hyper-parameters. */
const TORCH_OPTIMIZERS = new Set(['SGD', 'Adagrad', 'RMSprop', 'Adadelta', 'Adam', 'AdamW', 'RAdam']);

/**
 * Optimizers torch.optim lacks, written into train.py as torch.optim.Optimizer subclasses with
 * our hyper-parameters and our per-element rule (src/engine/runtime/optimizers).
 */
const OWN_OPTIMIZERS: Record<string, string> = {
  Yogi: `class Yogi(torch.optim.Optimizer):
    """Yogi as Shapeflow and D2L §12.10 define it (torch.optim has none): Adam whose second
    moment moves additively, s <- s + (1 - beta2) * sign(g^2 - s) * g^2, from s = 0."""

    def __init__(self, params, lr=0.01, betas=(0.9, 0.999), eps=1e-3):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group['betas']
            for p in group['params']:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state.update(step=0, v=torch.zeros_like(p), s=torch.zeros_like(p))
                state['step'] += 1
                t, v, s, g = state['step'], state['v'], state['s'], p.grad
                g2 = g * g
                v.mul_(beta1).add_(g, alpha=1 - beta1)
                s.add_((1 - beta2) * torch.sign(g2 - s) * g2)
                p.sub_(group['lr'] * (v / (1 - beta1**t)) / ((s / (1 - beta2**t)).sqrt() + group['eps']))
`,
};

function optimizerCode(o: PlanOptimizer, model: PyTorchExport, plan: Plan): string {
  const own = o.name in OWN_OPTIMIZERS;
  if (!TORCH_OPTIMIZERS.has(o.name) && !own)
    throw new ExportError(
      `train.py: torch.optim has no ${o.name} (optimizer ${o.node}); use one of ${[...TORCH_OPTIMIZERS, ...Object.keys(OWN_OPTIMIZERS)].join(', ')}`,
    );
  const schema = optimizerDefs[o.name as keyof typeof optimizerDefs].hyperparams as Record<
    string,
    { default: unknown }
  >;
  const args = Object.entries(schema)
    .filter(
      ([k, spec]) =>
        k === 'lr' ||
        (k in o.hyperparams && JSON.stringify(o.hyperparams[k]) !== JSON.stringify(spec.default)),
    )
    .map(([k, spec]) => `${k}=${pythonLiteral(o.hyperparams[k] ?? spec.default)}`);
  const trainable = plan.params.filter((p) => p.trainable).map((p) => p.key);
  const everything = trainable.length === o.params.length && trainable.every((k) => o.params.includes(k));
  let params = 'model.parameters()';
  if (!everything) {
    const names = o.params.map((key) => model.stateDict.find((s) => s.key === key)?.name);
    if (names.some((n) => !n))
      throw new ExportError(`optimizer ${o.node}: a parameter it updates is not in model.py`);
    params = `[named[n] for n in ${pythonLiteral(names)}]`;
  }
  const lookup = everything ? '' : '    named = dict(model.named_parameters())\n';
  return `${lookup}    return ${own ? '' : 'torch.optim.'}${o.name}(${[params, ...args].join(', ')})`;
}

const TORCH_SCHEDULERS = new Set([
  'StepLR',
  'MultiStepLR',
  'ExponentialLR',
  'CosineAnnealingLR',
  'CosineAnnealingWarmRestarts',
  'LinearLR',
  'OneCycleLR',
]);

/** A scheduler as a torch.optim.lr_scheduler expression over `optimizer`. */
function schedulerCode(s: Omit<PlanScheduler, 'node'>, o: PlanOptimizer): string {
  const lr = Number(o.hyperparams.lr ?? 0.01);
  const resolved = createScheduler(s.name, s.params, { lr, momentum: 0 }).params as Record<string, unknown>;
  if (TORCH_SCHEDULERS.has(s.name)) {
    const args = Object.entries(resolved)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}=${pythonLiteral(v)}`);
    return `lr_scheduler.${s.name}(${['optimizer', ...args].join(', ')})`;
  }
  if (s.name === 'SequentialLR') {
    const parts = (resolved.schedulers as { scheduler: string; params: Record<string, unknown> }[]).map((c) =>
      schedulerCode({ name: c.scheduler, params: c.params }, o),
    );
    return `lr_scheduler.SequentialLR(optimizer, schedulers=[${parts.join(', ')}], milestones=${pythonLiteral(resolved.milestones)})`;
  }
  // D2L's hand-written schedules (§12.11), as factors on the initial lr
  if (s.name === 'SquareRootScheduler') return 'lr_scheduler.LambdaLR(optimizer, lambda t: (t + 1) ** -0.5)';
  if (s.name === 'FactorScheduler') {
    const floor = Number(resolved.stop_factor_lr) / lr;
    return `lr_scheduler.LambdaLR(optimizer, lambda t: max(${pythonLiteral(floor)}, ${pythonLiteral(resolved.factor)} ** (t + 1)))`;
  }
  throw new ExportError(`train.py: the scheduler ${s.name} has no PyTorch form here`);
}

interface TrainScript {
  title: string;
  config: TrainConfig;
  columns: string[];
  samples: number;
  valSamples: number;
  datasets: string[];
  forwardArgs: string[];
  outputs: number;
  outputIndex: number;
  target: string;
  loss: string;
  optimizer: string;
  /** module-level definitions make_optimizer needs (an optimizer torch.optim lacks), or '' */
  definitions: string;
  scheduler: string | null;
  clip: PlanOptimizer['clip'];
  accumulate: number;
  crossEntropy: boolean;
  batchNorm: boolean;
}

const count = (n: number) => n.toLocaleString('en-US');

function renderTrainScript(t: TrainScript): string {
  const { config } = t;
  const source = t.datasets.length
    ? `the ${t.datasets.join(' and ')} node's data`
    : 'the data given at export';
  const valText = t.valSamples ? `, ${count(t.valSamples)} to validate` : '';
  const predictions =
    t.outputs === 1
      ? 'prediction'
      : Array.from({ length: t.outputs }, (_, i) => (i === t.outputIndex ? 'prediction' : '_')).join(', ');
  const clipLines: string[] = [];
  if (t.clip?.maxNorm !== undefined)
    clipLines.push(
      `    nn.utils.clip_grad_norm_(model.parameters(), ${pythonLiteral(t.clip.maxNorm)}, norm_type=${pythonLiteral(t.clip.normType ?? 2)})`,
    );
  if (t.clip?.value !== undefined)
    clipLines.push(`    nn.utils.clip_grad_value_(model.parameters(), ${pythonLiteral(t.clip.value)})`);
  const perEpoch = config.schedulerInterval === 'epoch';
  return `"""${t.title}: training, exported from Shapeflow.

    python train.py                  # one device (a GPU when there is one)
    python train.py --steps 2        # stop after 2 optimizer steps
    torchrun --nproc_per_node=K train.py --ddp   # K processes: DistributedDataParallel

(torch 1.13's torchrun on Python 3.11 also needs \`--redirects 2 --tee 2\`: its default crashes there.)

It repeats Shapeflow's run: the initial weights in weights.safetensors, ${source}
in data.npz (${count(t.samples)} samples to train${valText}), visited in Shapeflow's order
(data.npz's \`order\`: one row per epoch), the loss, the optimizer with the same
hyper-parameters${t.scheduler ? ', the learning-rate schedule' : ''}, ${config.epochs} epoch${config.epochs === 1 ? '' : 's'} of batch ${config.batchSize}.
With --ddp a DistributedSampler splits each batch of ${config.batchSize} over the K processes and
DistributedDataParallel averages their gradients, so a step sees the same samples as on one
device${t.batchNorm ? " (BatchNorm normalises over each process's share)" : ''}.

Every optimizer step prints one JSON line, e.g. {"step": 1, "epoch": 1, "loss": 2.30, "lr": 0.1};
every epoch one with its mean loss (and the validation split's). The trained weights go to
trained.safetensors.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, Dataset, DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import build_model, save_safetensors  # noqa: E402

EPOCHS = ${config.epochs}
BATCH_SIZE = ${config.batchSize}
SEED = ${config.seed}
# micro-batches whose gradients add up (averaged) before one optimizer step
ACCUMULATE = ${t.accumulate}
# data.npz's arrays, in the order a batch holds them
COLUMNS = [${t.columns.map((c) => `'${c}'`).join(', ')}]
LOSS = ${t.loss}


class EpochData(Dataset):
    """One epoch's samples, in the order Shapeflow visits them."""

    def __init__(self, columns, order):
        self.columns = columns
        self.order = order

    def __len__(self):
        return len(self.order)

    def __getitem__(self, i):
        j = int(self.order[i])
        return tuple(column[j] for column in self.columns)


def load_split(data, split):
    if f'{split}_{COLUMNS[0]}' not in data:
        return None
    arrays = [torch.from_numpy(data[f'{split}_{name}']) for name in COLUMNS]
    # integer data (class indices, token ids) as int64, as PyTorch's losses and embeddings want
    return [a if a.is_floating_point() else a.long() for a in arrays]


${t.definitions}def make_optimizer(model):
${t.optimizer}


def make_scheduler(optimizer):
    return ${t.scheduler ?? 'None'}


def compute_loss(model, batch):
    ${t.columns.join(', ')}${t.columns.length === 1 ? ',' : ''} = batch
    ${predictions} = model(${t.forwardArgs.join(', ')})
    return LOSS(prediction, ${t.target})


def train_step(net, model, optimizer, batches, device):
    """One optimizer step over 1..ACCUMULATE micro-batches: (sum of loss × samples, samples)."""
    optimizer.zero_grad()
    loss_sum, samples = 0.0, 0
    for batch in batches:
        batch = [t.to(device) for t in batch]
        loss = compute_loss(net, batch)
        (loss / len(batches)).backward()
        loss_sum += loss.item() * len(batch[0])
        samples += len(batch[0])
${clipLines.join('\n')}${clipLines.length ? '\n' : ''}    optimizer.step()
    return loss_sum, samples


@torch.no_grad()
def evaluate(model, columns, device):
    """Mean loss${t.crossEntropy ? ' and accuracy' : ''} over a split in eval mode (Dropout off, BatchNorm's running statistics)."""
    model.eval()
    loss_sum, correct, n = 0.0, 0, len(columns[0])
    for start in range(0, n, BATCH_SIZE):
        batch = [c[start : start + BATCH_SIZE].to(device) for c in columns]
        ${t.columns.join(', ')}${t.columns.length === 1 ? ',' : ''} = batch
        ${predictions} = model(${t.forwardArgs.join(', ')})
        loss_sum += LOSS(prediction, ${t.target}).item() * len(batch[0])
${t.crossEntropy ? `        if prediction.dim() == 2:\n            correct += (prediction.argmax(1) == ${t.target}).sum().item()\n` : ''}    model.train()
    return {'val_loss': loss_sum / n${t.crossEntropy ? ", 'val_accuracy': correct / n" : ''}}


def micro_batches(loader, size):
    """The loader's batches, \`size\` at a time (the last group may be smaller)."""
    group = []
    for batch in loader:
        group.append(batch)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def summed(values, ddp, device):
    """Add up numbers over the processes (a no-op on one device)."""
    if not ddp:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ddp', action='store_true', help='run under torchrun with DistributedDataParallel')
    parser.add_argument('--steps', type=int, default=None, help='stop after this many optimizer steps')
    parser.add_argument('--epochs', type=int, default=EPOCHS, help='epochs past data.npz\\'s reuse its orders in turn')
    parser.add_argument('--weights', default=os.path.join(HERE, 'weights.safetensors'))
    parser.add_argument('--data', default=os.path.join(HERE, 'data.npz'))
    parser.add_argument('--save', default=os.path.join(HERE, 'trained.safetensors'))
    args = parser.parse_args()

    rank, world = 0, 1
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if args.ddp:
        dist.init_process_group('nccl' if torch.cuda.is_available() else 'gloo')
        rank, world = dist.get_rank(), dist.get_world_size()
        if torch.cuda.is_available():
            device = torch.device('cuda', int(os.environ.get('LOCAL_RANK', 0)))
            torch.cuda.set_device(device)
    if BATCH_SIZE % world:
        sys.exit(f'train.py: a batch of {BATCH_SIZE} does not split evenly over {world} processes')
    torch.manual_seed(SEED + rank)  # Dropout's masks: PyTorch draws its own

    data = np.load(args.data)
    train, val, orders = load_split(data, 'train'), load_split(data, 'val'), data['order']
    model = build_model(args.weights).to(device)
    net = DistributedDataParallel(model) if args.ddp else model
    optimizer = make_optimizer(model)
    scheduler = make_scheduler(optimizer)
    net.train()

    step = 0
    for epoch in range(args.epochs):
        epoch_data = EpochData(train, orders[epoch % len(orders)])
        sampler = DistributedSampler(epoch_data, world, rank, shuffle=False) if args.ddp else None
        loader = DataLoader(epoch_data, batch_size=BATCH_SIZE // world, sampler=sampler, shuffle=False)
        epoch_loss, epoch_samples = 0.0, 0
        for group in micro_batches(loader, ACCUMULATE):
            lr = optimizer.param_groups[0]['lr']
            loss_sum, samples = summed(train_step(net, model, optimizer, group, device), args.ddp, device)
            step += 1
            epoch_loss, epoch_samples = epoch_loss + loss_sum, epoch_samples + samples
            if rank == 0:
                print(json.dumps({'step': step, 'epoch': epoch + 1, 'loss': loss_sum / samples, 'lr': lr}), flush=True)
${perEpoch ? '' : '            if scheduler is not None:\n                scheduler.step()\n'}            if args.steps is not None and step >= args.steps:
                break
        if args.steps is not None and step >= args.steps:
            break
${perEpoch ? '        if scheduler is not None:\n            scheduler.step()\n' : ''}        if rank == 0:
            report = {'epoch': epoch + 1, 'train_loss': epoch_loss / epoch_samples}
            if val is not None:
                report.update(evaluate(model, val, device))
            print(json.dumps(report), flush=True)

    if rank == 0:
        save_safetensors(model.state_dict(), args.save, {'source': 'shapeflow train.py', 'steps': str(step)})
    if args.ddp:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
`;
}
