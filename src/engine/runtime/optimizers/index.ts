import { AttrError } from '../../errors.ts';
import type { Param } from '../params.ts';
import { Adadelta } from './adadelta.ts';
import { Adagrad } from './adagrad.ts';
import { Adam } from './adam.ts';
import { AdamW } from './adamw.ts';
import { Optimizer, type OptimizerDef } from './optimizer.ts';
import { RAdam } from './radam.ts';
import { RMSprop } from './rmsprop.ts';
import { SGD } from './sgd.ts';
import { Yogi } from './yogi.ts';

export type OptimizerName = 'SGD' | 'Adagrad' | 'RMSprop' | 'Adadelta' | 'Adam' | 'AdamW' | 'RAdam' | 'Yogi';

/** Every optimizer, by PyTorch class name: what a node declaration and the inspector read. */
export const optimizerDefs: Record<OptimizerName, OptimizerDef<any>> = {
  SGD,
  Adagrad,
  RMSprop,
  Adadelta,
  Adam,
  AdamW,
  RAdam,
  Yogi,
};

export function isOptimizerName(name: string): name is OptimizerName {
  return Object.hasOwn(optimizerDefs, name);
}

/** An optimizer over `params` by name; hyperparameters under PyTorch's names, defaults filled in. */
export function createOptimizer(
  name: string,
  params: readonly Pick<Param, 'name' | 'data'>[],
  hyperparams: Record<string, unknown> = {},
): Optimizer {
  if (!isOptimizerName(name)) {
    throw new AttrError(
      'optimizer',
      'name',
      `'${name}' is not an optimizer (expected one of ${Object.keys(optimizerDefs).join(', ')})`,
    );
  }
  return new Optimizer(optimizerDefs[name], params, hyperparams);
}

export { type ClipGradNormOptions, clipGradNorm, clipGradValue, totalGradNorm } from './clip.ts';
export {
  Optimizer,
  type OptimizerDef,
  type OptimizerSnapshot,
  type OptimizerState,
  type ParamState,
} from './optimizer.ts';
