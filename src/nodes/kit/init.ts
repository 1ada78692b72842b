/**
 * Weight initialisers a layer offers in its inspector. 'default' is what PyTorch's layer does
 * on construction; the others are torch.nn.init's, their bounds and stds worked out by the
 * engine's formulas (src/engine/init.ts) from the weight's shape.
 */
import {
  kaimingNormalSpec,
  kaimingUniformSpec,
  xavierNormalSpec,
  xavierUniformSpec,
} from '../../engine/init.ts';
import type { ParamInit } from '../define.ts';
import { p } from '../params.ts';

export const INIT_CHOICES = [
  'default',
  'xavier_uniform',
  'xavier_normal',
  'kaiming_uniform',
  'kaiming_normal',
  'normal',
  'zeros',
] as const;

export type InitChoice = (typeof INIT_CHOICES)[number];

/** The `init` param: which initialiser the weight starts from. */
export const initParam = () =>
  p.enum(INIT_CHOICES, {
    default: 'default',
    doc: "weight init: 'default' is PyTorch's for this layer; kaiming_* use gain √2 (ReLU); normal uses init_std",
  });

/** σ for `init: 'normal'` (D2L's classics use 0.01). */
export const initStdParam = () =>
  p.float({ default: 0.01, min: 0, exclusiveMin: true, doc: 'σ of the normal init' });

/** The ParamInit for a weight of `shape` under the chosen initialiser; `pytorch` is the layer's own default. */
export function weightInit(choice: InitChoice, shape: number[], std: number, pytorch: ParamInit): ParamInit {
  switch (choice) {
    case 'default':
      return pytorch;
    case 'xavier_uniform':
      return { kind: 'uniform', bound: xavierUniformSpec(shape).bound ?? 0 };
    case 'xavier_normal':
      return { kind: 'normal', std: xavierNormalSpec(shape).std };
    case 'kaiming_uniform':
      return { kind: 'uniform', bound: kaimingUniformSpec(shape).bound ?? 0 };
    case 'kaiming_normal':
      return { kind: 'normal', std: kaimingNormalSpec(shape).std };
    case 'normal':
      return { kind: 'normal', std };
    case 'zeros':
      return { kind: 'zeros' };
  }
}

/** nn.Linear/nn.Conv's default: U(±1/√fan_in) for weight and bias alike. */
export const fanInUniform = (fanIn: number): ParamInit => ({ kind: 'uniform_fan_in', fanIn });
