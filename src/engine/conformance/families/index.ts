import type { FamilyRunner } from '../types.ts';
import { runAutogradCase } from './autograd.ts';
import { runBroadcastCase } from './broadcast.ts';
import { runOpCase } from './op_cases.ts';
// @group engine-family-imports
import { runInitStatsCase } from './init_stats.ts';
import { runOptimizerCase } from './optimizers.ts';
import { runSchedulerCase } from './schedulers.ts';

/**
 * Families the engine itself can check. Families that need node declarations (optimizers,
 * schedulers, architectures, training) are added by the layers above (see src/cli).
 */
export const engineFamilies: Record<string, FamilyRunner> = {
  broadcast: runBroadcastCase,
  ops: runOpCase,
  losses: runOpCase,
  autograd: runAutogradCase,
  // @group engine-families
  init_stats: runInitStatsCase,
  optimizers: runOptimizerCase,
  schedulers: runSchedulerCase,
};
