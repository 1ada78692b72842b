/**
 * What the training host watches besides the loss: every k optimizer steps the gradient
 * health of each layer (‖∇W‖/‖W‖, the update ratio, dead ReLUs, saturated sigmoid/tanh — the
 * maths is src/graph/health.ts), and at every step each Probe node's condition (a non-finite
 * value, a norm above its threshold, every k steps). A probe that fires pauses the run, and
 * its tensor goes with the message.
 */
import type { Trainer } from '../engine/runtime/train.ts';
import { COMPOSITE_TYPE, type GraphDocument, type GraphNode } from '../graph/document.ts';
import {
  type HealthFlag,
  type HealthThresholds,
  healthReadsOutput,
  healthReport,
  type LayerHealth,
  type LayerSample,
} from '../graph/health.ts';
import { MAX_SHOWN_VALUES, statsOf, type TensorSummary } from '../graph/stepper.ts';
import type { Catalog } from '../nodes/catalog.ts';
import { defaultsOf } from '../nodes/define.ts';
import { checkProbe, type ProbeParams, traceExample } from '../nodes/evaluators/probe.ts';

/** Gradient health every this many optimizer steps, unless the open command says otherwise. */
export const DEFAULT_HEALTH_EVERY = 10;

export interface MonitorOptions {
  /** gradient health every k optimizer steps; 0 turns it off */
  healthEvery?: number;
  thresholds?: Partial<HealthThresholds>;
}

/** Every layer's gradient health after one step; `flagged` maps a node to its flags for the canvas. */
export interface HealthMessage {
  type: 'health';
  step: number;
  layers: LayerHealth[];
  flagged: Record<string, HealthFlag[]>;
}

/** A probe's condition held: the run pauses; its tensor (and the traced example, if it names one). */
export interface ProbeMessage {
  type: 'probe';
  node: string;
  step: number;
  reason: string;
  tensor: TensorSummary;
  example: { index: number; shape: number[]; values: number[] } | null;
}

const outputOf = (node: string) => `${node}:output`;

/**
 * Every node of the document, composites' inner nodes included, by the id the compiled plan
 * knows it by: an inner node's is its composite's id, '/', its own.
 */
function* nodesWithin(nodes: readonly GraphNode[], prefix = ''): Generator<{ id: string; node: GraphNode }> {
  for (const node of nodes) {
    const id = prefix ? `${prefix}/${node.id}` : node.id;
    yield { id, node };
    if (node.type === COMPOSITE_TYPE && node.subgraph) yield* nodesWithin(node.subgraph.nodes, id);
  }
}

function summaryOf(shape: number[], data: Float32Array): TensorSummary {
  return {
    shape,
    size: data.length,
    values: Array.from(data.subarray(0, MAX_SHOWN_VALUES)),
    truncated: data.length > MAX_SHOWN_VALUES,
    stats: statsOf(data),
  };
}

export class TrainingMonitor {
  private readonly probes: { node: string; params: ProbeParams }[] = [];
  private readonly activations: { node: string; type: string }[] = [];
  private readonly types = new Map<string, string>();
  /** the weights before this step's update, on a health step */
  private before: Map<string, Float32Array> | null = null;

  constructor(
    doc: GraphDocument,
    catalog: Catalog,
    private options: MonitorOptions = {},
  ) {
    const probe = catalog.get('Probe');
    for (const { id, node } of nodesWithin(doc.nodes)) {
      this.types.set(id, node.type);
      if (node.type === 'Probe' && probe)
        this.probes.push({
          node: id,
          params: { ...defaultsOf(probe), ...node.params } as unknown as ProbeParams,
        });
      else if (healthReadsOutput(node.type)) this.activations.push({ node: id, type: node.type });
    }
  }

  /** New options from the next step on (the user changed the health interval mid-run). */
  configure(options: MonitorOptions): void {
    this.options = options;
  }

  private get healthEvery(): number {
    return this.options.healthEvery ?? DEFAULT_HEALTH_EVERY;
  }

  /**
   * Before a step: ask the trainer for the probes' tensors, and on a health step the activations
   * and gradients too (weights trained on the device are read back for it: a value asked for).
   */
  async beforeStep(trainer: Trainer): Promise<void> {
    const every = this.healthEvery;
    const health = every > 0 && (trainer.step + 1) % every === 0;
    if (health) await trainer.syncHost();
    trainer.keepGradients = health;
    this.before = health ? trainer.params.snapshot() : null;
    trainer.watch = [
      ...this.probes.map((p) => outputOf(p.node)),
      ...(health ? this.activations.map((a) => outputOf(a.node)) : []),
    ];
  }

  /**
   * After a step (`completed` false when it stopped on a non-finite value): post the health
   * report when one is due and a message per probe that fires; true when the run should pause.
   */
  async afterStep(
    trainer: Trainer,
    completed: boolean,
    post: (m: HealthMessage | ProbeMessage) => void,
  ): Promise<boolean> {
    const step = completed ? trainer.step : trainer.step + 1;
    if (this.before && completed) {
      await trainer.syncHost();
      post({ type: 'health', step, ...this.health(trainer, this.before) });
    }
    this.before = null;
    let pause = false;
    for (const { node, params } of this.probes) {
      const seen = trainer.watched.get(outputOf(node));
      if (!seen) continue;
      const hit = checkProbe(params, seen.data, step);
      if (!hit.pause || !hit.reason) continue;
      pause = true;
      const traced = params.example === null ? null : traceExample(seen.shape, seen.data, params.example);
      post({
        type: 'probe',
        node,
        step,
        reason: hit.reason,
        tensor: summaryOf(seen.shape, seen.data),
        example: traced && params.example !== null ? { index: params.example, ...traced } : null,
      });
    }
    return pause;
  }

  private health(trainer: Trainer, before: Map<string, Float32Array>) {
    const samples = new Map<string, LayerSample>();
    const sampleOf = (nodeId: string, nodeType: string) => {
      let s = samples.get(nodeId);
      if (!s) {
        s = { nodeId, nodeType, params: [] };
        samples.set(nodeId, s);
      }
      return s;
    };
    for (const p of trainer.plan.params) {
      if (!p.trainable) continue;
      sampleOf(p.node, this.types.get(p.node) ?? '').params.push({
        name: p.name,
        value: trainer.params.get(p.key).data,
        grad: trainer.lastGradients.get(p.key) ?? null,
        before: before.get(p.key),
      });
    }
    for (const a of this.activations) {
      const seen = trainer.watched.get(outputOf(a.node));
      if (seen) sampleOf(a.node, a.type).output = { shape: seen.shape, values: seen.data };
    }
    return healthReport([...samples.values()], this.options.thresholds);
  }
}
