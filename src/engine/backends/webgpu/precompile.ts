/**
 * Compile a training step's WebGPU pipelines before the step runs, so the first step (and the
 * first Live preview) does not stall while the driver compiles dozens of shaders one by one on
 * first dispatch. The step is rehearsed as a dry run on zero-filled inputs: the dispatches only
 * say which kernel and specialisation they need, and those compile asynchronously, in parallel.
 */
import { BackwardPass } from '../../autograd/backward.ts';
import type { Backend } from '../../backend.ts';
import { executePlan, prepareConstants } from '../../compile/execute.ts';
import type { Plan } from '../../compile/plan.ts';
import { zeros } from '../../create.ts';
import type { Tensor } from '../../tensor.ts';
import { WebGPUBackend } from './index.ts';
import { pipelineKeyOf } from './runtime.ts';

export interface PrecompileStats {
  /** pipelines this call compiled (those already cached are not counted) */
  compiled: number;
  /** dry run and compiles, milliseconds */
  ms: number;
}

export interface PrecompileStepOptions {
  /** a plan whose forward pass also runs in eval mode (validation, often at another batch size) */
  evalPlan?: Plan;
  /**
   * Kernels the step dispatches outside the plan, by source name and switches: the optimizer's
   * update (Backend.applyUpdate's `UpdateKernel`).
   */
  kernels?: readonly { name: string; defines?: Record<string, string | number> }[];
}

/**
 * Rehearse one training step of `plan` (forward in train mode, then a backward pass from each
 * optimizer's loss, or each loss when the plan has no optimizer) and compile the pipelines it
 * dispatches. Resolves to null on a backend other than WebGPU, which has nothing to compile.
 */
export async function precompileStep(
  backend: Backend,
  plan: Plan,
  options: PrecompileStepOptions = {},
): Promise<PrecompileStats | null> {
  if (!(backend instanceof WebGPUBackend)) return null;
  // real uploads, outside the dry run: the plan's constants are cached for the steps to come
  prepareConstants(plan, backend);
  if (options.evalPlan) prepareConstants(options.evalPlan, backend);
  const step = await backend.precompile(() => {
    rehearseTraining(plan, backend);
    if (options.evalPlan) rehearseForward(options.evalPlan, backend, 'eval');
  });
  const outside = (options.kernels ?? []).map((k) =>
    pipelineKeyOf({ kernel: k.name, defines: k.defines, meta: [], inputs: [], outputs: [], label: k.name }),
  );
  const started = performance.now();
  const compiled = outside.length ? await backend.runtime.precompile(outside) : 0;
  return { compiled: step.compiled + compiled, ms: step.ms + (performance.now() - started) };
}

function rehearseTraining(plan: Plan, backend: Backend): void {
  const { values, leaves } = rehearseForward(plan, backend, 'train');
  const losses = plan.optimizers.length
    ? plan.optimizers.map((o) => o.loss)
    : plan.losses.map((l) => l.value);
  for (const loss of losses) {
    for (const t of leaves) t.zeroGrad();
    new BackwardPass(values[loss]).run();
  }
}

/** The plan's forward pass on zero-filled parameters and data, as a training step feeds them. */
function rehearseForward(
  plan: Plan,
  backend: Backend,
  mode: 'train' | 'eval',
): { values: Tensor[]; leaves: Tensor[] } {
  const leaves: Tensor[] = [];
  const params = new Map(
    plan.params.map((p) => {
      const t = zeros(p.shape, backend);
      t.requiresGrad = mode === 'train' && p.trainable;
      leaves.push(t);
      return [p.key, t];
    }),
  );
  const feeds = new Map(plan.sources.map((s) => [s.key, zeros(s.shape, backend, s.dtype)]));
  return { values: executePlan(plan, { backend, params, feeds, mode }), leaves };
}
