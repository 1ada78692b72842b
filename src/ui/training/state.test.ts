// @vitest-environment happy-dom
/**
 * The Training dock's state against the real training host, run in this thread behind a
 * worker double: run, pause, step one batch, edits mid-run, a blow-up pinned to its node,
 * runs kept in the store, another document opened.
 */
import { createRoot } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type EdgeId,
  type GraphDocument,
  type GraphEdge,
  GraphStore,
  type NodeId,
} from '../../graph/index.ts';
import { catalog } from '../../nodes/index.ts';
import { type TrainCommand, TrainingHost, type TrainMessage } from '../../training/train-host.ts';
import { TrainingClient, type WorkerLike } from '../../training/worker-client.ts';
import { memoryRunStore, type RunStore } from '../persist/runs.ts';
import { createEditor, type Editor } from '../state/editor.ts';
import { createTraining, reportingCrashes, structureKey, type Training } from './state.ts';

/** XOR → Linear(2, 16) → Tanh → Linear(16, 2) → cross-entropy; no optimizer node (the dock's SGD trains it). */
function xorDoc(): GraphDocument {
  const node = (id: string, type: string, params: Record<string, unknown>, x: number) => ({
    id: `node:${id}` as NodeId,
    type,
    params: params as GraphDocument['nodes'][number]['params'],
    position: { x, y: 0 },
  });
  const edge = (i: number, from: string, to: string): GraphEdge => {
    const [a, ap] = from.split('.');
    const [b, bp] = to.split('.');
    return {
      id: `edge:${i}` as EdgeId,
      from: { node: `node:${a}` as NodeId, port: ap },
      to: { node: `node:${b}` as NodeId, port: bp },
    };
  };
  return {
    format: 'shapeflow.graph',
    version: 2,
    meta: { title: 'xor' },
    nodes: [
      node('data', 'XOR', { samples: 200, batch_size: 20, seed: 1 }, 0),
      node('fc1', 'Linear', { in_features: 2, out_features: 16 }, 100),
      node('act', 'Tanh', {}, 200),
      node('fc2', 'Linear', { in_features: 16, out_features: 2 }, 300),
      node('loss', 'CrossEntropyLoss', {}, 400),
    ],
    edges: [
      edge(0, 'data.x', 'fc1.input'),
      edge(1, 'fc1.output', 'act.input'),
      edge(2, 'act.output', 'fc2.input'),
      edge(3, 'fc2.output', 'loss.input'),
      edge(4, 'data.y', 'loss.target'),
    ],
  };
}

/** A worker double: commands reach a host in this thread; messages come back asynchronously, cloned. */
function inProcessWorker(): WorkerLike {
  const listeners: ((e: MessageEvent<TrainMessage>) => void)[] = [];
  const host = new TrainingHost((m) =>
    setTimeout(() => {
      for (const l of listeners) l({ data: structuredClone(m) } as MessageEvent<TrainMessage>);
    }),
  );
  return {
    postMessage: (cmd: TrainCommand) => void setTimeout(() => void host.handle(structuredClone(cmd))),
    addEventListener: (_type, l) => void listeners.push(l),
  };
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

/** The XOR graph with an SGD node of its own. */
function withSgd(lr: number): GraphDocument {
  const doc = xorDoc();
  doc.nodes.push({ id: 'node:sgd' as NodeId, type: 'SGD', params: { lr }, position: { x: 500, y: 0 } });
  doc.edges.push({
    id: 'edge:sgd' as EdgeId,
    from: { node: 'node:loss' as NodeId, port: 'output' },
    to: { node: 'node:sgd' as NodeId, port: 'loss' },
  });
  return doc;
}

function setup(
  runs: RunStore = memoryRunStore(),
  doc: GraphDocument = xorDoc(),
): { editor: Editor; training: Training; runs: RunStore; clients: TrainingClient[] } {
  const clients: TrainingClient[] = [];
  return createRoot((dispose) => {
    const store = new GraphStore({ catalog });
    const loaded = store.load(doc); // fills the params left out with their defaults
    if (!loaded.ok) throw new Error(loaded.errors[0].message);
    const editor = createEditor(store);
    const training = createTraining(editor, {
      createClient: () => {
        const client = new TrainingClient(inProcessWorker());
        clients.push(client);
        return client;
      },
      runs,
      detectWebGPU: async () => false,
      recompileDelay: 0,
      saveInterval: 10,
    });
    cleanup = () => {
      training.dispose();
      dispose();
    };
    return { editor, training, runs, clients };
  });
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A Worker stand-in that can crash: events like a real one's. */
class CrashingWorker extends EventTarget {
  posted: TrainCommand[] = [];
  terminated = false;
  postMessage(m: TrainCommand) {
    this.posted.push(m);
  }
  terminate() {
    this.terminated = true;
  }
  crash(message: string) {
    this.dispatchEvent(new ErrorEvent('error', { message, cancelable: true }));
  }
}

describe('a crashed training worker', () => {
  it('rejects the open it was loading for, naming the failure', async () => {
    const worker = new CrashingWorker();
    const client = new TrainingClient(reportingCrashes(worker as unknown as Worker));
    const opening = client.open(xorDoc());
    expect(worker.posted[0]?.type).toBe('open');
    worker.crash('SyntaxError in train-worker.ts');
    await expect(opening).rejects.toThrow('The training worker stopped: SyntaxError in train-worker.ts');
  });

  it('ends a running session: stopped, the error shown, a fresh worker for the next Run', async () => {
    const workers: CrashingWorker[] = [];
    const { training } = createRoot((dispose) => {
      const store = new GraphStore({ catalog });
      store.load(xorDoc());
      const editor = createEditor(store);
      const t = createTraining(editor, {
        // the first client: a real host in-thread whose worker can also crash
        createClient: () => {
          const crashing = new CrashingWorker();
          workers.push(crashing);
          const inner = inProcessWorker();
          const reported = reportingCrashes(crashing as unknown as Worker);
          return new TrainingClient({
            postMessage: (m) => inner.postMessage(m),
            addEventListener: (type, l) => {
              inner.addEventListener(type, l);
              reported.addEventListener(type, l);
            },
          });
        },
        runs: memoryRunStore(),
        detectWebGPU: async () => false,
      });
      cleanup = () => {
        t.dispose();
        dispose();
      };
      return { training: t };
    });
    await training.stepBatch();
    await until('one step', () => training.step() === 1 && training.state() === 'paused');
    workers[0].crash('device lost for good');
    expect(training.state()).toBe('stopped');
    expect(training.info()).toBeNull();
    expect(training.error()).toBe('The training worker stopped: device lost for good');
    await training.stepBatch();
    expect(workers).toHaveLength(2);
    await until('a step on the fresh worker', () => training.step() === 1 && training.state() === 'paused');
  });
});

describe('the Training dock state', () => {
  it('falls back to the CPU backend with a notice when there is no WebGPU adapter', async () => {
    const { training } = setup();
    await until('the adapter check', () => training.webgpu() !== null);
    expect(training.webgpu()).toBe(false);
    expect(training.backend()).toBe('cpu');
    expect(training.notice()).toMatch(/WebGPU is not available/);
  });

  it('runs, pauses, steps exactly one batch, and records the curves of the run', async () => {
    const { training, runs } = setup();
    training.setSettings({ epochs: 50, lr: 0.5 });
    await training.start();
    expect(training.info()).toMatchObject({ backend: 'cpu', batchSize: 20, batchesPerEpoch: 8 });
    await until('a few steps', () => training.step() >= 5);
    training.pause();
    await until('paused', () => training.state() === 'paused');
    const at = training.step();
    const points = training.run()?.series.steps.length ?? 0;
    expect(training.run()?.series.steps[points - 1]).toBe(at); // the step it paused at is drawn
    await training.stepBatch();
    await until('one step', () => training.step() === at + 1 && training.state() === 'paused');
    expect(training.run()?.series.steps.length).toBe(points + 1);
    expect(Object.keys(training.run()?.series.gradNorms ?? {}).sort()).toEqual(['node:fc1', 'node:fc2']);
    expect(training.run()?.series.lr.every((lr) => lr === 0.5)).toBe(true);
    await until('the run saved', () => training.runs()[0]?.steps === at + 1);
    const saved = await runs.get(training.run()?.id ?? '');
    expect(saved).toMatchObject({ seed: 0, backend: 'cpu', dataset: 'XOR', status: 'paused' });
    expect(JSON.parse(saved?.doc ?? '{}').meta.title).toBe('xor');
  });

  it('reports gradient health every k steps as the dock says, and stops when k is set to 0 mid-session', async () => {
    const { training, clients } = setup();
    training.setSettings({ epochs: 50, lr: 0.5, healthEvery: 3 });
    await training.start();
    const reported: number[] = [];
    clients[0].on('health', (m) => reported.push(m.step));
    await until('three reports', () => reported.length >= 3);
    training.pause();
    await until('paused', () => training.state() === 'paused');
    expect(reported.slice(0, 3)).toEqual([3, 6, 9]);
    const seen = reported.length;
    training.setSettings({ healthEvery: 0 });
    for (let i = 0; i < 4; i++) await training.stepBatch();
    await until('four more steps', () => training.step() >= 13 && training.state() === 'paused');
    expect(reported.length).toBe(seen);
    training.setSettings({ healthEvery: 1 });
    await training.stepBatch();
    await until('a report for the next step', () => reported.length === seen + 1);
    expect(reported.at(-1)).toBe(training.step());
  });

  it('recompiles after an edit mid-run and says which layers kept their weights', async () => {
    const { editor, training } = setup();
    training.setSettings({ epochs: 50 });
    await training.stepBatch();
    await until('one step', () => training.step() === 1 && training.state() === 'paused');
    editor.apply([
      { kind: 'setParam', id: 'node:fc1' as NodeId, name: 'out_features', value: 8 },
      { kind: 'setParam', id: 'node:fc2' as NodeId, name: 'in_features', value: 8 },
    ]);
    await until('recompiled', () => training.recompiled() !== null);
    expect(training.recompiled()).toMatchObject({ kept: [], initialised: ['node:fc1', 'node:fc2'] });
    // an edit that breaks the graph: training goes on with the graph as it was, until one that compiles
    editor.apply({ kind: 'setParam', id: 'node:fc2' as NodeId, name: 'in_features', value: 5 });
    await until('the compile error', () => training.error() !== null);
    expect(training.error()).toMatch(/does not compile.*goes on with the graph as it was/);
    editor.apply({ kind: 'setParam', id: 'node:fc2' as NodeId, name: 'in_features', value: 8 });
    await until('the error cleared', () => training.error() === null);
    // a move is no reason to recompile
    const before = training.recompiled();
    editor.apply({ kind: 'move', id: 'node:act' as NodeId, position: { x: 5, y: 99 } });
    await new Promise((r) => setTimeout(r, 50));
    expect(training.recompiled()).toBe(before);
  });

  it('pauses on a non-finite value and pins it to a node of the graph', async () => {
    const { editor, training } = setup();
    // past float32's range within a few steps: the logits overflow to ±Inf
    training.setSettings({ epochs: 50, lr: 1e38 });
    await training.start();
    await until('a non-finite value', () => training.nonfinite() !== null);
    await until('paused', () => training.state() === 'paused');
    const pinned = training.pinned();
    expect(pinned).not.toBeNull();
    expect(editor.node(pinned as NodeId)).toBeDefined();
    expect(training.nonfinite()?.suggestions).toContain('lower the learning rate');
    expect(editor.messages().some((m) => /became non-finite in /.test(m.text))).toBe(true);
    await until('saved as non-finite', () => training.runs()[0]?.status === 'nonfinite');
    training.reset();
    expect(training.pinned()).toBeNull();
    await until(
      'a new run after the reset',
      () => training.runs().length === 2 && training.state() === 'idle',
    );
  });

  it('lowers the learning rate of the optimizer node in one undoable edit and starts over', async () => {
    const { editor, training } = setup(memoryRunStore(), withSgd(1e38));
    await training.start();
    await until('a non-finite value', () => training.nonfinite() !== null && training.state() === 'paused');
    await training.applyFix('lower-lr');
    expect(editor.node('node:sgd' as NodeId)?.params.lr).toBe(1e37);
    expect(editor.history().undoLabel).toMatch(/Learning rate ×0.1/);
    expect(training.pinned()).toBeNull();
    await until('the new run', () => training.state() === 'idle' && training.runs().length === 2);
    expect(training.step()).toBe(0);
  });

  it('without an optimizer node, lowers the dock’s own learning rate for the next run', async () => {
    const { training } = setup();
    training.setSettings({ lr: 1e38 });
    await training.start();
    await until('a non-finite value', () => training.nonfinite() !== null && training.state() === 'paused');
    await training.applyFix('lower-lr');
    expect(training.settings().lr).toBe(1e37);
    await until('stopped', () => training.state() === 'stopped');
    expect(training.notice()).toMatch(/lr 1e\+37: press Run/);
  });

  it('reports a graph it cannot train, without changing the document', async () => {
    const { editor, training } = setup();
    editor.apply({ kind: 'removeNode', id: 'node:loss' as NodeId });
    const key = structureKey(editor.doc());
    await training.start();
    expect(training.state()).toBe('stopped');
    expect(training.error()).toMatch(/loss/);
    expect(structureKey(editor.doc())).toBe(key);
  });

  it('stops the session when another document is opened, keeping its run', async () => {
    const { editor, training } = setup();
    await training.stepBatch();
    await until('one step', () => training.step() === 1 && training.state() === 'paused');
    editor.store.load(xorDoc());
    await until('stopped', () => training.state() === 'stopped');
    expect(training.info()).toBeNull();
    expect(training.notice()).toMatch(/Another document was opened/);
    await until('kept', () => training.runs().length === 1);
  });

  it('overlays a kept run and refuses to delete the open one', async () => {
    const { training } = setup();
    await training.stepBatch();
    await until('saved', () => training.runs().length === 1 && training.state() === 'paused');
    const id = training.runs()[0].id;
    await training.toggleOverlay(id);
    expect(training.overlay().map((r) => r.id)).toEqual([id]);
    await training.toggleOverlay(id);
    expect(training.overlay()).toEqual([]);
    await training.deleteRun(id);
    expect(training.error()).toMatch(/still open/);
    training.stop();
    await until('stopped', () => training.state() === 'stopped');
    await training.deleteRun(id);
    expect(training.runs()).toEqual([]);
  });

  it('opens the graph a kept run trained', async () => {
    const { editor, training } = setup();
    const trained = structureKey(editor.doc());
    await training.stepBatch();
    await until('saved', () => training.runs().length === 1 && training.state() === 'paused');
    editor.apply({ kind: 'removeNode', id: 'node:act' as NodeId });
    expect(structureKey(editor.doc())).not.toBe(trained);
    await training.openRunGraph(training.runs()[0].id);
    expect(structureKey(editor.doc())).toBe(trained);
    await until('the session ended', () => training.state() === 'stopped');
  });
});
