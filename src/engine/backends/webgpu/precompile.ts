/**
 * Compile a training step's WebGPU pipelines before the step runs, so the first step does not
 * stall while the driver compiles a dozen shaders one by one on first dispatch. The step is
 * rehearsed as a dry run on zero-filled inputs: the dispatches only say which kernel and
 * specialisation they need, and those compile asynchronously, in parallel. (For other work, a
 * Live preview's forward pass say, `WebGPUBackend.precompile(fn)` takes any function.)
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
  /**
   * More of the step to rehearse after each backward pass, given the gradients by parameter key
   * (gradient norms, clipping, accumulation): what it dispatches is compiled too. It runs in the
   * dry run, so it must neither read values nor change state outside its tensors.
   */
  afterBackward?: (grads: ReadonlyMap<string, Tensor | null>) => void;
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
  const started = performance.now();
  const outside = (options.kernels ?? []).map((k) =>
    pipelineKeyOf({ kernel: k.name, defines: k.defines, meta: [], inputs: [], outputs: [], label: k.name }),
  );
  const [step, compiledOutside] = await Promise.all([
    backend.precompile(() => {
      rehearseTraining(plan, backend, options.afterBackward);
      if (options.evalPlan) rehearseForward(options.evalPlan, backend, 'eval');
    }),
    backend.runtime.precompile(outside),
  ]);
  return { compiled: step.compiled + compiledOutside, ms: performance.now() - started };
}

function rehearseTraining(
  plan: Plan,
  backend: Backend,
  afterBackward: PrecompileStepOptions['afterBackward'],
): void {
  const { values, leaves } = rehearseForward(plan, backend, 'train');
  const losses = plan.optimizers.length
    ? plan.optimizers.map((o) => o.loss)
    : plan.losses.map((l) => l.value);
  for (const loss of losses) {
    for (const t of leaves.values()) t.zeroGrad();
    new BackwardPass(values[loss]).run();
    afterBackward?.(new Map([...leaves].map(([key, t]) => [key, t.grad ?? null])));
  }
}

/** The plan's forward pass on zero-filled parameters and data, as a training step feeds them. */
function rehearseForward(
  plan: Plan,
  backend: Backend,
  mode: 'train' | 'eval',
): { values: Tensor[]; leaves: Map<string, Tensor> } {
  const leaves = new Map(
    plan.params.map((p) => {
      const t = zeros(p.shape, backend);
      t.requiresGrad = mode === 'train' && p.trainable;
      return [p.key, t];
    }),
  );
  const feeds = new Map(plan.sources.map((s) => [s.key, zeros(s.shape, backend, s.dtype)]));
  return { values: executePlan(plan, { backend, params: leaves, feeds, mode }), leaves };
}
