/**
 * train.py against Shapeflow's own trainer: the same initial weights, data, batch order and
 * optimizer must give the same first losses; and train.py must run under torchrun with
 * DistributedDataParallel (gloo, CPU). Uses Debian's /usr/bin/python3 and /usr/bin/torchrun.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/engine/index.ts';
import { Trainer } from '../../src/engine/runtime/train.ts';
import { ExportError } from '../../src/export/pytorch.ts';
import {
  exportPyTorchTraining,
  prepareTraining,
  pytorchFiles,
  type TrainingExportOptions,
} from '../../src/export/pytorch_train.ts';
import type { GraphDocument, GraphNode, NodeId } from '../../src/graph/document.ts';
import { loadDocument } from '../../src/graph/schema.ts';
import { catalog } from '../../src/nodes/index.ts';
import { compilerFor, withDatasetForInputs } from '../../src/training/session.ts';
import { doc as graph } from '../training/helpers.ts';

const PYTHON = '/usr/bin/python3';
const TORCHRUN = '/usr/bin/torchrun';
const root = new URL('../../', import.meta.url).pathname;
/**
 * One thread per process: the machine is shared, and two DDP workers already split it.
 * Gloo on the loopback interface: it otherwise picks the one the host name resolves to.
 */
const env = { ...process.env, OMP_NUM_THREADS: '1', GLOO_SOCKET_IFNAME: 'lo' };
/**
 * A run takes seconds; one past this has hung (a gloo worker spinning at 100 % CPU, seen in CI).
 * A test with a torchrun allows 420 s: its own work, and room for a hung run and its retry.
 */
const RUN_LIMIT_MS = 150_000;

function template(name: string): GraphDocument {
  const loaded = loadDocument(readFileSync(join(root, 'templates', `${name}.json`), 'utf8'), catalog);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
  return loaded.doc;
}

interface StepLine {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
}

async function exportTo(doc: GraphDocument, options: TrainingExportOptions) {
  const result = await exportPyTorchTraining(doc, catalog, options);
  const dir = mkdtempSync(join(tmpdir(), 'shapeflow-train-'));
  for (const [name, bytes] of Object.entries(pytorchFiles(result))) writeFileSync(join(dir, name), bytes);
  return { dir, result };
}

/** The step lines train.py prints (JSON objects with a `step`). */
const stepLines = (stdout: string): StepLine[] =>
  stdout
    .split('\n')
    .map((l) => l.replace(/^\[default\d+\]:/, ''))
    .filter((l) => l.startsWith('{"step"'))
    .map((l) => JSON.parse(l));

interface Finished {
  stdout: string;
  stderr: string;
}

class RunTimeout extends Error {}

/** Process groups still running: a test vitest timed out leaves its run here for afterEach to end. */
const running = new Set<number>();

const killGroup = (pid: number) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group has already exited
  }
  running.delete(pid);
};

/**
 * Run a command in a process group of its own, asynchronously (a sync call would block vitest's
 * timeout). Past `RUN_LIMIT_MS` the whole group is killed: torchrun and its worker processes.
 */
function runProcess(command: string, args: string[], cwd?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // no pid: the command could not start, and 'error' says why
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    const end = () => pid !== undefined && killGroup(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      end();
    }, RUN_LIMIT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      end();
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      end(); // workers that outlived their launcher
      const what = [command, ...args].join(' ');
      if (timedOut)
        reject(new RunTimeout(`${what}: no exit after ${RUN_LIMIT_MS / 1000} s\n${stderr.slice(-4000)}`));
      else if (code !== 0) reject(new Error(`${what}: exit ${code ?? signal}\n${stderr.slice(-4000)}`));
      else resolve({ stdout, stderr });
    });
  });
}

afterEach(() => {
  for (const pid of running) killGroup(pid);
});

async function runTrainPy(dir: string, steps: number): Promise<StepLine[]> {
  const { stdout } = await runProcess(PYTHON, [join(dir, 'train.py'), '--steps', String(steps)]);
  return stepLines(stdout);
}

/** A port free right now: bind to port 0 and read what the system gave. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * train.py under torchrun with 2 processes, on a free port of its own: torch 1.13's
 * `--standalone` puts every run's rendezvous store on the fixed localhost:29400, so runs of
 * other test processes on the machine share it and one run's exit breaks the other's
 * rendezvous. The default static rendezvous keeps one store, the agent's, on the port given.
 * `--redirects 2 --tee 2`: Debian's torch 1.13 torchrun crashes on Python 3.11 with its
 * default (0: an enum value 3.11 no longer iterates).
 */
async function runDistributed(dir: string, steps: number): Promise<StepLine[]> {
  const run = async () => {
    const launcher = ['--nnodes=1', '--nproc_per_node=2', '--master_addr=127.0.0.1'];
    const port = `--master_port=${await freePort()}`;
    const output = ['--redirects', '2', '--tee', '2'];
    const script = [join(dir, 'train.py'), '--ddp', '--steps', String(steps)];
    return runProcess(TORCHRUN, [...launcher, port, ...output, ...script], dir);
  };
  try {
    return stepLines((await run()).stdout);
  } catch (error) {
    if (!(error instanceof RunTimeout)) throw error;
    // a hang is worth one more try (fresh port, fresh processes) but not silence
    console.warn(`torchrun hung; trying once more: ${error.message.split('\n')[0]}`);
    return stepLines((await run()).stdout);
  }
}

/** Shapeflow's first steps of the same run: the trainer `shapeflow train` uses, on the CPU backend. */
async function shapeflowSteps(doc: GraphDocument, options: TrainingExportOptions, steps: number) {
  const setup = await prepareTraining(doc, catalog, options);
  const trainer = new Trainer(compilerFor(doc, catalog), setup.data.feed, cpuBackend, setup.config);
  const out: { loss: number; lr: number }[] = [];
  for (let i = 0; i < steps; i++) {
    const outcome = await trainer.trainStep();
    if (!outcome.ok) throw new Error(`step ${i}: non-finite ${outcome.report.what}`);
    out.push({ loss: outcome.metrics.loss, lr: Object.values(outcome.metrics.lr)[0] });
  }
  return out;
}

function expectSameSteps(theirs: StepLine[], ours: { loss: number; lr: number }[]) {
  expect(theirs.map((s) => s.step)).toEqual(ours.map((_, i) => i + 1));
  theirs.forEach((s, i) => {
    expect(Math.abs(s.loss - ours[i].loss)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(ours[i].loss)));
    expect(s.lr).toBeCloseTo(ours[i].lr, 9);
  });
}

/** Deterministic, non-trivial values: a smooth pattern in [−1, 1]. */
const pattern = (count: number, phase = 0.1) =>
  Float32Array.from({ length: count }, (_, i) => Math.sin(0.37 * i + phase));

function withNodes(
  doc: GraphDocument,
  nodes: GraphNode[],
  edges: [string, string, string, string][],
): GraphDocument {
  return {
    ...doc,
    nodes: [...doc.nodes, ...nodes],
    edges: [
      ...doc.edges,
      ...edges.map(([from, fromPort, to, toPort], i) => ({
        id: `edge:extra_${i}` as const,
        from: { node: from as NodeId, port: fromPort },
        to: { node: to as NodeId, port: toPort },
      })),
    ],
  };
}

/** TwoSpirals → Linear(2, 16) → activation → Linear(16, 2) → cross-entropy. */
function spiralsClassifier(
  spirals: Record<string, unknown>,
  activation: string,
  loss: Record<string, unknown> = {},
): GraphDocument {
  return graph(
    [
      ['spirals', 'TwoSpirals', spirals],
      ['fc1', 'Linear', { in_features: 2, out_features: 16 }],
      ['act', activation],
      ['fc2', 'Linear', { in_features: 16, out_features: 2 }],
      ['loss', 'CrossEntropyLoss', loss],
    ],
    [
      'spirals.x -> fc1.input',
      'fc1.output -> act.input',
      'act.output -> fc2.input',
      'fc2.output -> loss.input',
      'spirals.y -> loss.target',
    ],
  );
}

describe('train.py', () => {
  beforeAll(() => {
    try {
      execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'pipe' });
    } catch {
      throw new Error(`${PYTHON} cannot import torch; run: sudo bash scripts/install-system-deps.sh`);
    }
    // importing torch takes a while on a busy machine
  }, 60_000);

  it('trains the MNIST MLP on MNIST as Shapeflow does: same losses, lr schedule, and the same steps under DDP', async () => {
    const doc = withDatasetForInputs(template('mnist_mlp'), catalog, 'MNIST', { batch_size: 8, seed: 3 });
    const options: TrainingExportOptions = {
      config: {
        optimizer: {
          name: 'SGD',
          hyperparams: { lr: 0.1, momentum: 0.9 },
          scheduler: { name: 'StepLR', params: { step_size: 1, gamma: 0.5 } },
        },
      },
    };
    const { dir, result } = await exportTo(doc, options);
    expect(result.trainPy).toContain('torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)');
    expect(result.trainPy).toContain('lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)');
    expect(result.trainPy).toContain("COLUMNS = ['inputs', 'targets']");
    const ours = await shapeflowSteps(doc, options, 3);
    expect(ours.map((s) => s.lr)).toEqual([0.1, 0.05, 0.025]);
    expectSameSteps(await runTrainPy(dir, 3), ours);
    // a batch of 8 split over 2 processes, gradients averaged: the same steps as on one device
    expectSameSteps(await runDistributed(dir, 2), ours.slice(0, 2));
  }, 420_000);

  it('trains LeNet with its SGD node on MNIST, on one device and under torchrun --ddp', async () => {
    const doc = withDatasetForInputs(template('lenet'), catalog, 'MNIST', { batch_size: 4, seed: 1 });
    const { dir, result } = await exportTo(doc, {});
    expect(result.trainPy).toContain('torch.optim.SGD(model.parameters(), lr=0.1)');
    expectSameSteps(await runTrainPy(dir, 2), await shapeflowSteps(doc, {}, 2));
    expect(await runDistributed(dir, 2)).toHaveLength(2);
  }, 420_000);

  it('trains ResNet-18 (BatchNorm in training mode, residual adds) on 96×96 inputs as Shapeflow does', async () => {
    const doc = template('resnet18');
    const samples = 4;
    const options: TrainingExportOptions = {
      config: { batchSize: 2, seed: 5 },
      inputs: {
        train: {
          'node:images:output': {
            data: pattern(samples * 96 * 96),
            sampleShape: [1, 96, 96],
            dtype: 'float32',
          },
          'node:labels:output': { data: Int32Array.from([3, 7, 1, 9]), sampleShape: [], dtype: 'int32' },
        },
      },
    };
    const { dir, result } = await exportTo(doc, options);
    expect(result.modelPy).toContain('nn.BatchNorm2d(64)');
    expectSameSteps(await runTrainPy(dir, 2), await shapeflowSteps(doc, options, 2));
    expect(await runDistributed(dir, 2)).toHaveLength(2);
  }, 420_000);

  it('trains the Transformer encoder layer against a regression target with Adam as Shapeflow does', async () => {
    const base = template('transformer_encoder_post_norm');
    const target: GraphNode = {
      id: 'node:target' as NodeId,
      type: 'Input',
      label: 'target',
      params: { shape: ['N', 'T', 32], dtype: 'float32' },
      position: { x: 0, y: 400 },
    };
    const loss: GraphNode = {
      id: 'node:mse' as NodeId,
      type: 'MSELoss',
      params: {},
      position: { x: 200, y: 400 },
    };
    const trained = withNodes(
      base,
      [target, loss],
      [
        ['node:norm2', 'output', 'node:mse', 'input'],
        ['node:target', 'output', 'node:mse', 'target'],
      ],
    );
    // PyTorch draws its own Dropout masks: the loss comparison runs with p = 0
    const doc = {
      ...trained,
      nodes: trained.nodes.map((n) => (n.type === 'Dropout' ? { ...n, params: { ...n.params, p: 0 } } : n)),
    };
    const samples = 6;
    const tokens = samples * 10 * 32;
    const inputs = {
      train: {
        'node:tokens:output': { data: pattern(tokens), sampleShape: [10, 32], dtype: 'float32' as const },
        'node:target:output': {
          data: pattern(tokens, 1.3),
          sampleShape: [10, 32],
          dtype: 'float32' as const,
        },
      },
    };
    const options: TrainingExportOptions = {
      config: { batchSize: 2, optimizer: { name: 'Adam', hyperparams: { lr: 0.01 } } },
      inputs,
    };
    const { dir, result } = await exportTo(doc, options);
    expect(result.trainPy).toContain('torch.optim.Adam(model.parameters(), lr=0.01)');
    expect(result.trainPy).toContain('LOSS = nn.MSELoss()');
    expectSameSteps(await runTrainPy(dir, 2), await shapeflowSteps(doc, options, 2));
    // the template's own Dropout (p = 0.1) under DDP
    const ddp = await exportTo(trained, options);
    expect(ddp.result.modelPy).toContain('nn.Dropout(p=0.1)');
    expect(await runDistributed(ddp.dir, 2)).toHaveLength(2);
  }, 420_000);

  it('repeats gradient accumulation, clipping and a warm-up-then-cosine schedule on a generated dataset', async () => {
    const doc = spiralsClassifier({ samples: 120, batch_size: 10, seed: 4 }, 'Tanh', {
      label_smoothing: 0.1,
    });
    const options: TrainingExportOptions = {
      config: {
        epochs: 2,
        accumulate: 2,
        optimizer: {
          name: 'AdamW',
          hyperparams: { lr: 0.05, weight_decay: 0.1, betas: [0.8, 0.99] },
          clip: { maxNorm: 0.5, normType: 2 },
          scheduler: {
            name: 'SequentialLR',
            params: {
              schedulers: [
                { scheduler: 'LinearLR', params: { start_factor: 0.5, total_iters: 2 } },
                { scheduler: 'CosineAnnealingLR', params: { T_max: 4 } },
              ],
              milestones: [2],
            },
          },
        },
      },
    };
    const { dir, result } = await exportTo(doc, options);
    expect(result.trainPy).toContain('ACCUMULATE = 2');
    expect(result.trainPy).toContain('nn.utils.clip_grad_norm_(model.parameters(), 0.5, norm_type=2)');
    expect(result.trainPy).toContain('LOSS = nn.CrossEntropyLoss(label_smoothing=0.1)');
    // 96 training samples in batches of 10: 10 micro-batches, 5 steps an epoch; into the second epoch
    const ours = await shapeflowSteps(doc, options, 6);
    expectSameSteps(await runTrainPy(dir, 6), ours);
  }, 120_000);

  it('trains with Yogi, which torch.optim lacks, by the class train.py defines: the same steps', async () => {
    const doc = spiralsClassifier({ samples: 120, batch_size: 12, seed: 5 }, 'ReLU');
    const options: TrainingExportOptions = {
      config: { epochs: 2, optimizer: { name: 'Yogi', hyperparams: { lr: 0.05, betas: [0.8, 0.99] } } },
    };
    const { dir, result } = await exportTo(doc, options);
    expect(result.trainPy).toContain('class Yogi(torch.optim.Optimizer):');
    expect(result.trainPy).toContain('return Yogi(model.parameters(), lr=0.05, betas=(0.8, 0.99))');
    const ours = await shapeflowSteps(doc, options, 6);
    expectSameSteps(await runTrainPy(dir, 6), ours);
  }, 120_000);

  it('says what it needs when the graph has no data or no optimizer', async () => {
    await expect(exportPyTorchTraining(template('mnist_mlp'), catalog)).rejects.toThrow(
      /no dataset node .*--data MNIST/,
    );
    const mnist = withDatasetForInputs(template('mnist_mlp'), catalog, 'MNIST', {});
    await expect(exportPyTorchTraining(mnist, catalog)).rejects.toThrow(ExportError);
    await expect(exportPyTorchTraining(mnist, catalog)).rejects.toThrow(/needs an optimizer/);
  });
});
