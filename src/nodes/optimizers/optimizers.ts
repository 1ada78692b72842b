/**
 * Optimizer node types, one per entry of the runtime's optimizer table (PyTorch's classes and
 * D2L's Yogi). Each is wired to the scalar loss it minimises, optionally takes a schedule on
 * its lr port, may be limited to a parameter group, and clips gradients by norm or value
 * before each step. `optimizer` on the declaration is what the training loop calls.
 */
import { isOpError } from '../../engine/errors.ts';
import {
  clipGradNorm,
  clipGradValue,
  createOptimizer,
  type Optimizer,
  type OptimizerName,
  optimizerDefs,
  type Param,
} from '../../engine/runtime/index.ts';
import { type AnyNodeDef, tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { fromHyperparams, paramsOfTable, toHyperparams } from '../kit/hyper.ts';
import { defaultParams, p } from '../params.ts';
import { formatDims } from '../shapes.ts';
import { parameterGroup } from './param_group.ts';

/** What the training loop needs from an optimizer node, all from its params. */
export interface OptimizerRuntime {
  readonly name: OptimizerName;
  /** the node's params as the runtime's hyperparameters (PyTorch's names) */
  hyperparams(params: Record<string, unknown>): Record<string, unknown>;
  /** PyTorch hyperparameters (a reference case, a pasted config) as node params, defaults filled */
  paramsFrom(hyperparams: Record<string, unknown>): Record<string, unknown>;
  create(parameters: readonly Pick<Param, 'name' | 'data'>[], params: Record<string, unknown>): Optimizer;
  /** whether the named parameter belongs to this optimizer's group */
  selects(paramName: string, params: Record<string, unknown>): boolean;
  /** clip the gradients in place as the params ask; returns the total norm before clipping (norm mode) */
  clip(grads: readonly (Float32Array | null)[], params: Record<string, unknown>): number | null;
  /** clip, then one optimizer step */
  step(
    optimizer: Optimizer,
    parameters: readonly Param[],
    grads: readonly (Float32Array | null)[],
    params: Record<string, unknown>,
  ): void;
}

export type OptimizerNodeDef = AnyNodeDef & { optimizer: OptimizerRuntime };

export function isOptimizerNode(def: AnyNodeDef | undefined): def is OptimizerNodeDef {
  return !!def && 'optimizer' in def;
}

const clipParams = {
  clip: p.enum(['none', 'norm', 'value'], {
    default: 'none',
    doc: 'gradient clipping before each step: clip_grad_norm_ or clip_grad_value_',
  }),
  max_norm: p.float({
    default: 1,
    min: 0,
    doc: 'norm: scale all gradients so their total norm is at most this',
  }),
  norm_type: p.float({ default: 2, min: 0, exclusiveMin: true, doc: 'norm: the p of the p-norm' }),
  clip_value: p.float({
    default: 1,
    min: 0,
    doc: 'value: clamp every gradient entry to [−clip_value, clip_value]',
  }),
  param_group: p.string({
    default: '',
    doc: 'layers whose parameters this optimizer updates (comma-separated names, * wildcards); empty: all',
  }),
};

function optimizerNode(name: OptimizerName): OptimizerNodeDef {
  const table = optimizerDefs[name];
  const params = { ...paramsOfTable(table.hyperparams), ...clipParams };
  const runtime: OptimizerRuntime = {
    name,
    hyperparams: (q) => toHyperparams(table.hyperparams, q),
    paramsFrom: (hyper) => ({ ...defaultParams(params), ...fromHyperparams(table.hyperparams, hyper) }),
    create: (parameters, q) => createOptimizer(name, parameters, toHyperparams(table.hyperparams, q)),
    selects: (paramName, q) => parameterGroup(String(q.param_group ?? ''))(paramName),
    clip(grads, q) {
      if (q.clip === 'norm')
        return clipGradNorm(grads, q.max_norm as number, { normType: q.norm_type as number });
      if (q.clip === 'value') clipGradValue(grads, q.clip_value as number);
      return null;
    },
    step(optimizer, parameters, grads, q) {
      runtime.clip(grads, q);
      optimizer.step(parameters, grads);
    },
  };
  const node = declareNode({
    type: name,
    group: 'optimizers',
    aliases: [table.pytorchClass, 'optimizer', name.toLowerCase()],
    doc: `${table.doc} Wire it to the loss it minimises; a scheduler on its lr port sets the learning rate each step.`,
    formula: table.formula,
    params,
    inputs: [
      tensorPort('loss', { doc: 'the scalar loss to minimise' }),
      {
        name: 'lr',
        kind: 'schedule',
        optional: true,
        doc: 'a learning-rate schedule; unconnected: the constant lr param',
      },
    ],
    outputs: [{ name: 'optimizer', kind: 'optimizer', doc: 'the loss it minimises, for training panels' }],
    infer([loss], q) {
      if (!loss) return fail('missing_input', `${name} needs the loss it minimises`, { port: 'loss' });
      if (loss.dims.length !== 0) {
        return fail(
          'loss_shape',
          `${name} minimises a scalar loss, got a tensor of shape ${formatDims(loss.dims)}`,
          {
            port: 'loss',
            explanation: "Set the loss's reduction to 'mean' (or 'sum'): gradients are taken of one number.",
          },
        );
      }
      try {
        createOptimizer(name, [], toHyperparams(table.hyperparams, q));
      } catch (e) {
        if (!isOpError(e)) throw e;
        return fail('invalid_param', e.message);
      }
      return [{ dtype: 'float32', dims: [] }];
    },
    lower: (b, [loss]) => b.op('reshape', [loss], { shape: [] }),
    paramCount: () => 0,
  });
  return { ...node, optimizer: runtime };
}

export const SGD = optimizerNode('SGD');
export const Adagrad = optimizerNode('Adagrad');
export const RMSprop = optimizerNode('RMSprop');
export const Adadelta = optimizerNode('Adadelta');
export const Adam = optimizerNode('Adam');
export const AdamW = optimizerNode('AdamW');
export const RAdam = optimizerNode('RAdam');
export const Yogi = optimizerNode('Yogi');
