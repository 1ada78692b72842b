import { engineFamilies } from '../engine/conformance/families/index.ts';
import type { FamilyRunner } from '../engine/conformance/types.ts';
// @group node-family-imports
import { runOptimizerCaseThroughNodes } from '../nodes/conformance/optimizers.ts';
import { runSchedulerCaseThroughNodes } from '../nodes/conformance/schedulers.ts';
import { runArchitectureCase } from '../templates/conformance.ts';
import { runTrainingCase } from '../training/conformance.ts';

/** Every family a conformance run can check: the engine's, plus those run through node declarations. */
export const allFamilies: Record<string, FamilyRunner> = {
  ...engineFamilies,
  // @group node-families
  optimizers: runOptimizerCaseThroughNodes,
  schedulers: (c) => runSchedulerCaseThroughNodes(c),
  architectures: (c) => runArchitectureCase(c),
  training: (c, ctx) => runTrainingCase(c, ctx),
};
