/**
 * Plan rewrites that change how a plan computes, never what: a `linear` step whose output only
 * feeds an activation step becomes one `linear_act` step, so the WebGPU GEMM applies the
 * activation as it writes and the pre-activation tensor is neither stored nor read back.
 *
 * What stays visible: the activation node's output is the fused step's output (same value id,
 * so health reports and probes on it read it as before). The linear's output becomes a value
 * computed inside the fused step (origin `fused`) and its own `<node>:<port>` keys leave
 * `plan.outputs`: nothing reads them from a training plan (the Live preview and the backward
 * stepper lower the document themselves, node by node). A linear output that anything else
 * names is left unfused: another consumer, a loss, a metric, or another node's key for the
 * same value (a Probe wired to the Linear passes the value through under its own key).
 */
import { type FusableActivation, isFusableActivation, type LinearActAttrs } from '../ops/linear_act.ts';
import type { Plan, PlanStep } from './plan.ts';

/** One fusion made: the graph nodes of the linear and of the activation it absorbed. */
export interface FusedPair {
  linear: string;
  activation: string;
  op: string;
}

/** Rewrite `linear → activation` step pairs of `plan` in place into `linear_act` steps. */
export function fuseLinearActivations(plan: Plan): FusedPair[] {
  const uses = valueUses(plan);
  const named = namesByValue(plan);
  const fusedAt = new Map<number, PlanStep>();
  const absorbed = new Set<number>();
  const pairs: FusedPair[] = [];
  plan.steps.forEach((step, index) => {
    const activation = fusableActivationOf(plan, step, uses, named);
    if (activation === null) return;
    const act = plan.steps[activation];
    const attrs: LinearActAttrs = {
      activation: act.op as FusableActivation,
      approximate: act.op === 'gelu' ? (act.attrs.approximate as LinearActAttrs['approximate']) : 'none',
    };
    fusedAt.set(index, { ...step, op: 'linear_act', attrs: { ...attrs }, outputs: act.outputs });
    absorbed.add(activation);
    pairs.push({ linear: step.source, activation: act.source, op: act.op });
  });
  if (pairs.length === 0) return pairs;
  rebuildSteps(plan, fusedAt, absorbed, named);
  return pairs;
}

/** How many times each value is read: by step inputs, and as a loss, metric or optimizer's loss. */
function valueUses(plan: Plan): Map<number, number> {
  const uses = new Map<number, number>();
  const use = (v: number | null) => {
    if (v !== null) uses.set(v, (uses.get(v) ?? 0) + 1);
  };
  for (const step of plan.steps) step.inputs.forEach(use);
  for (const out of [...plan.losses, ...plan.metrics]) use(out.value);
  for (const o of plan.optimizers) use(o.loss);
  return uses;
}

function namesByValue(plan: Plan): Map<number, string[]> {
  const named = new Map<number, string[]>();
  for (const [key, v] of plan.outputs) named.set(v, [...(named.get(v) ?? []), key]);
  return named;
}

/** The index of the activation step `step` can absorb, or null. */
function fusableActivationOf(
  plan: Plan,
  step: PlanStep,
  uses: Map<number, number>,
  named: Map<number, string[]>,
): number | null {
  if (step.op !== 'linear' || step.stateUpdates.length > 0) return null;
  const [z] = step.outputs;
  if (uses.get(z) !== 1) return null;
  // only the Linear node's own ports may name it: any other key is a reader (a Probe, a composite's port)
  if ((named.get(z) ?? []).some((key) => !key.startsWith(`${step.source}:`))) return null;
  const index = plan.steps.findIndex((s) => s.inputs.includes(z));
  const act = plan.steps[index];
  if (!act || !isFusableActivation(act.op) || act.inputs[0] !== z) return null;
  if (act.modal || act.seeded || act.stateUpdates.length > 0) return null;
  return index;
}

/** Steps in their order with the fused ones in place and the absorbed ones gone; origins follow. */
function rebuildSteps(
  plan: Plan,
  fusedAt: Map<number, PlanStep>,
  absorbed: Set<number>,
  named: Map<number, string[]>,
): void {
  const newIndex = new Map<number, number>();
  const steps: PlanStep[] = [];
  plan.steps.forEach((step, index) => {
    if (absorbed.has(index)) return;
    newIndex.set(index, steps.length);
    steps.push(fusedAt.get(index) ?? step);
  });
  for (const v of plan.values) {
    const o = v.origin;
    if (o.kind === 'op' && newIndex.has(o.step)) v.origin = { ...o, step: newIndex.get(o.step) as number };
  }
  // the activation's outputs are now the fused step's; the linear's is computed inside it
  for (const [index, fused] of fusedAt) {
    const at = newIndex.get(index) as number;
    const preActivation = plan.steps[index].outputs[0];
    plan.values[preActivation].origin = { kind: 'fused', step: at };
    for (const key of named.get(preActivation) ?? []) plan.outputs.delete(key);
    fused.outputs.forEach((v, output) => {
      plan.values[v].origin = { kind: 'op', step: at, output };
    });
  }
  plan.steps = steps;
}
