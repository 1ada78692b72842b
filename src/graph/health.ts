/**
 * Gradient health, as data for an overlay: per layer ‖∇W‖/‖W‖ and the update ratio
 * ‖ΔW‖/‖W‖, the fraction of dead ReLU units, the saturation of sigmoid/tanh outputs, and
 * flags for vanishing or exploding gradients. Pure functions over plain arrays: the training
 * loop, the stepper or a test hands in one step's values and gradients.
 *
 * Rules of thumb behind the default thresholds (CS231n's "ratio of updates to weights" and
 * the usual activation checks): an update ratio near 1e-3 is healthy; a gradient ratio below
 * 1e-7 has vanished, above 10 it explodes; half the units dead or saturated is worth a flag.
 */
import type { GraphNode } from './document.ts';
import type { BackwardStepper } from './stepper.ts';

export interface HealthThresholds {
  /** ‖∇W‖/‖W‖ below this: vanishing */
  vanishing: number;
  /** ‖∇W‖/‖W‖ above this: exploding */
  exploding: number;
  /** update ratio below / above these: too small a step / too large a step */
  updateLow: number;
  updateHigh: number;
  /** fraction of dead ReLU units that raises a flag */
  dead: number;
  /** fraction of saturated sigmoid/tanh outputs that raises a flag */
  saturated: number;
  /** a sigmoid output within this of 0 or 1, a tanh output within it of ±1, is saturated */
  saturationMargin: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  vanishing: 1e-7,
  exploding: 10,
  updateLow: 1e-5,
  updateHigh: 1e-1,
  dead: 0.5,
  saturated: 0.5,
  saturationMargin: 0.02,
};

export type HealthFlag =
  | 'non_finite'
  | 'vanishing'
  | 'exploding'
  | 'update_too_small'
  | 'update_too_large'
  | 'dead_relu'
  | 'saturated';

export function l2(data: ArrayLike<number>): number {
  let sq = 0;
  for (let i = 0; i < data.length; i++) sq += data[i] * data[i];
  return Math.sqrt(sq);
}

function allFinite(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}

/** ‖∇W‖ / ‖W‖ (0 for an all-zero weight with a zero gradient, ∞ for a zero weight with one). */
export function gradToWeightRatio(weight: ArrayLike<number>, grad: ArrayLike<number>): number {
  const w = l2(weight);
  const g = l2(grad);
  if (w === 0) return g === 0 ? 0 : Number.POSITIVE_INFINITY;
  return g / w;
}

/** ‖W_after − W_before‖ / ‖W_before‖: how far one optimizer step moved the weights. */
export function updateRatio(before: ArrayLike<number>, after: ArrayLike<number>): number {
  if (before.length !== after.length)
    throw new RangeError(`updateRatio: ${before.length} values before, ${after.length} after`);
  let sq = 0;
  for (let i = 0; i < before.length; i++) sq += (after[i] - before[i]) ** 2;
  const w = l2(before);
  if (w === 0) return sq === 0 ? 0 : Number.POSITIVE_INFINITY;
  return Math.sqrt(sq) / w;
}

/**
 * Fraction of ReLU units that are zero for every example of the batch (dim 0 is the batch;
 * a unit is one position of the remaining dims).
 */
export function deadReluFraction(shape: readonly number[], outputs: ArrayLike<number>): number {
  if (shape.length === 0) return outputs[0] > 0 ? 0 : 1;
  const batch = shape[0];
  const units = shape.slice(1).reduce((a, b) => a * b, 1);
  if (batch === 0 || units === 0) return 0;
  let dead = 0;
  for (let u = 0; u < units; u++) {
    let alive = false;
    for (let n = 0; n < batch && !alive; n++) alive = outputs[n * units + u] > 0;
    if (!alive) dead++;
  }
  return dead / units;
}

/** Fraction of outputs in the flat tails: sigmoid near 0 or 1, tanh near ±1. */
export function saturationFraction(
  kind: 'sigmoid' | 'tanh',
  outputs: ArrayLike<number>,
  margin = DEFAULT_THRESHOLDS.saturationMargin,
): number {
  if (outputs.length === 0) return 0;
  let saturated = 0;
  for (let i = 0; i < outputs.length; i++) {
    const y = outputs[i];
    const flat = kind === 'sigmoid' ? y <= margin || y >= 1 - margin : Math.abs(y) >= 1 - margin;
    if (flat) saturated++;
  }
  return saturated / outputs.length;
}

/** One parameter of a layer at one step: its values, its gradient, and optionally its values before the update. */
export interface ParamSample {
  name: string;
  value: ArrayLike<number>;
  grad: ArrayLike<number> | null;
  /** the values before this step's optimizer update, for the update ratio */
  before?: ArrayLike<number>;
}

/** One node at one step: its parameters and, for activations, its output on the batch. */
export interface LayerSample {
  nodeId: string;
  nodeType: string;
  params: ParamSample[];
  output?: { shape: readonly number[]; values: ArrayLike<number> };
}

export interface ParamHealth {
  name: string;
  gradToWeight: number | null;
  updateRatio: number | null;
  flags: HealthFlag[];
}

export interface LayerHealth {
  nodeId: string;
  nodeType: string;
  params: ParamHealth[];
  deadFraction: number | null;
  saturation: number | null;
  /** every flag of the node and its parameters, once each */
  flags: HealthFlag[];
}

function paramHealth(p: ParamSample, t: HealthThresholds): ParamHealth {
  const flags: HealthFlag[] = [];
  if (!allFinite(p.value) || (p.grad && !allFinite(p.grad))) {
    return { name: p.name, gradToWeight: null, updateRatio: null, flags: ['non_finite'] };
  }
  // the gradient belongs to the weights it was computed at: those before the update, when known
  const gradToWeight = p.grad ? gradToWeightRatio(p.before ?? p.value, p.grad) : null;
  if (gradToWeight !== null && gradToWeight < t.vanishing) flags.push('vanishing');
  if (gradToWeight !== null && gradToWeight > t.exploding) flags.push('exploding');
  const ratio = p.before ? updateRatio(p.before, p.value) : null;
  if (ratio !== null && ratio < t.updateLow) flags.push('update_too_small');
  if (ratio !== null && ratio > t.updateHigh) flags.push('update_too_large');
  return { name: p.name, gradToWeight, updateRatio: ratio, flags };
}

const RELU_LIKE = new Set(['ReLU']);
const SATURATING: Record<string, 'sigmoid' | 'tanh'> = { Sigmoid: 'sigmoid', Tanh: 'tanh' };

/** Node types whose output health reads (dead ReLUs, saturated sigmoid/tanh). */
export function healthReadsOutput(nodeType: string): boolean {
  return RELU_LIKE.has(nodeType) || nodeType in SATURATING;
}

export function layerHealth(sample: LayerSample, thresholds: Partial<HealthThresholds> = {}): LayerHealth {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const params = sample.params.map((p) => paramHealth(p, t));
  const flags = new Set<HealthFlag>(params.flatMap((p) => p.flags));
  let deadFraction: number | null = null;
  let saturation: number | null = null;
  const out = sample.output;
  if (out && !allFinite(out.values)) flags.add('non_finite');
  else if (out && RELU_LIKE.has(sample.nodeType)) {
    deadFraction = deadReluFraction(out.shape, out.values);
    if (deadFraction >= t.dead) flags.add('dead_relu');
  } else if (out && SATURATING[sample.nodeType]) {
    saturation = saturationFraction(SATURATING[sample.nodeType], out.values, t.saturationMargin);
    if (saturation >= t.saturated) flags.add('saturated');
  }
  return {
    nodeId: sample.nodeId,
    nodeType: sample.nodeType,
    params,
    deadFraction,
    saturation,
    flags: [...flags],
  };
}

/** Every layer's health at one step, and the flagged nodes for the overlay. */
export function healthReport(
  samples: readonly LayerSample[],
  thresholds: Partial<HealthThresholds> = {},
): { layers: LayerHealth[]; flagged: Record<string, HealthFlag[]> } {
  const layers = samples.map((s) => layerHealth(s, thresholds));
  const flagged: Record<string, HealthFlag[]> = {};
  for (const l of layers) if (l.flags.length) flagged[l.nodeId] = l.flags;
  return { layers, flagged };
}

/**
 * Samples for every node of a stepped document once its backward pass is complete: parameters
 * with their gradients, and activations with their outputs on the sample batch.
 */
export function samplesFromStepper(stepper: BackwardStepper): LayerSample[] {
  stepper.all();
  const byNode = new Map<string, LayerSample>();
  const sampleOf = (nodeId: string) => {
    let s = byNode.get(nodeId);
    if (!s) {
      s = { nodeId, nodeType: nodeTypeOf(stepper, nodeId), params: [] };
      byNode.set(nodeId, s);
    }
    return s;
  };
  for (const [key, t] of stepper.forward.params) {
    const slash = key.lastIndexOf('/');
    sampleOf(key.slice(0, slash)).params.push({
      name: key.slice(slash + 1),
      value: t.dataSync(),
      grad: stepper.pass.gradOf(t)?.dataSync() ?? null,
    });
  }
  for (const [nodeId, outputs] of stepper.forward.values) {
    const type = nodeTypeOf(stepper, nodeId);
    const out = outputs.output;
    if (out && (RELU_LIKE.has(type) || SATURATING[type]))
      sampleOf(nodeId).output = { shape: out.shape, values: out.dataSync() };
  }
  return [...byNode.values()];
}

function nodeTypeOf(stepper: BackwardStepper, nodeId: string): string {
  const find = (nodes: readonly GraphNode[]): GraphNode | undefined => {
    for (const n of nodes) {
      if (n.id === nodeId) return n;
      const inner = n.subgraph && find(n.subgraph.nodes);
      if (inner) return inner;
    }
    return undefined;
  };
  return find(stepper.doc.nodes)?.type ?? '';
}
