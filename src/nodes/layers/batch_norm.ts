import { type AnyNodeDef, type OpBuilder, type ParamInit, tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';
import type { TensorType } from '../types.ts';

/** A running-statistics buffer: kept by the builder when it keeps state, else a constant. */
function runningStat<V>(
  b: OpBuilder<V>,
  name: string,
  size: number,
  init: ParamInit & { kind: 'zeros' | 'ones' },
): V {
  if (b.buffer) return b.buffer(name, [size], init);
  return b.constant(new Array<number>(size).fill(init.kind === 'ones' ? 1 : 0), [size]);
}

/**
 * nn.BatchNorm1d / nn.BatchNorm2d. Training mode normalises by the batch's statistics and
 * moves the running ones; eval mode normalises by the running statistics.
 */
function batchNorm(type: string, ranks: number[], rankText: string): AnyNodeDef {
  return declareNode({
    type,
    group: 'layers',
    aliases: ['batchnorm', 'bn', 'batch normalization', `nn.${type}`],
    doc: `Normalises each channel of ${rankText} by its mean and variance over the batch${ranks.includes(4) ? ' and space' : ''}, then scales by γ and shifts by β. Running statistics are used in eval mode.`,
    formula:
      'y = γ·(x − μ)/√(σ² + ε) + β;  train: μ, σ² of the batch, running ← (1 − m)·running + m·batch stat',
    params: {
      num_features: p.int({ default: 16, min: 1, doc: 'C, the channel dim (dim 1)' }),
      eps: p.float({ default: 1e-5, min: 0, exclusiveMin: true }),
      momentum: p.float({
        default: 0.1,
        min: 0,
        max: 1,
        doc: 'weight of the batch statistic in the running average',
      }),
      affine: p.bool({ default: true, doc: 'learn γ and β' }),
      track_running_stats: p.bool({ default: true }),
      mode: p.enum(['train', 'eval'], {
        default: 'train',
        doc: 'train: batch statistics; eval: running statistics',
      }),
    },
    inputs: [tensorPort('input', { doc: rankText })],
    outputs: [tensorPort('output')],
    infer([x], params, ctx) {
      if (!x) return fail('missing_input', `${type} needs an input`, { port: 'input' });
      if (!ranks.includes(x.dims.length)) {
        const want = ranks.map((r) => `${r}D`).join(' or ');
        return fail('rank', `expected ${want} input (got ${x.dims.length}D input)`, { port: 'input' });
      }
      const c = x.dims[1];
      if (!ctx.unify(c, params.num_features)) {
        return fail('num_features', `running_mean should contain ${c} elements not ${params.num_features}`, {
          port: 'input',
          explanation: `${type}(num_features=${params.num_features}) normalises dim 1 of its input, which holds ${c} channels.`,
          fixes: [
            {
              label: `Set num_features to ${c}`,
              intents: [{ kind: 'setParam', param: 'num_features', value: c }],
            },
          ],
        });
      }
      const perChannel = [x.dims[0], ...x.dims.slice(2)];
      if (params.mode === 'train' && perChannel.every((d) => d === 1)) {
        return fail(
          'batch_size',
          `Expected more than 1 value per channel when training, got input size torch.Size(${formatDims(x.dims)})`,
          {
            port: 'input',
            explanation: 'A batch of one has no variance per channel: use a larger batch or eval mode.',
          },
        );
      }
      return [{ dtype: 'float32', dims: [...x.dims] }];
    },
    lower(b, [x], params) {
      const c = params.num_features;
      const weight = params.affine ? b.param('weight', [c], { kind: 'ones' }) : null;
      const bias = params.affine ? b.param('bias', [c], { kind: 'zeros' }) : null;
      const mean = runningStat(b, 'running_mean', c, { kind: 'zeros' });
      const variance = runningStat(b, 'running_var', c, { kind: 'ones' });
      const training = params.mode === 'train' || !params.track_running_stats;
      const [y, newMean, newVar] = b.op('batch_norm', [x, weight, bias, mean, variance], {
        training,
        momentum: params.momentum,
        eps: params.eps,
      });
      if (training && params.track_running_stats) {
        b.setBuffer?.('running_mean', newMean);
        b.setBuffer?.('running_var', newVar);
      }
      return [y];
    },
    paramCount: (_inputs, params) => (params.affine ? 2 * params.num_features : 0),
    flops: ([x]: (TensorType | null)[]) => (x ? 2 * numel(x.dims) : 0),
  });
}

export const BatchNorm1d = batchNorm('BatchNorm1d', [2, 3], '[N, C] or [N, C, L]');
export const BatchNorm2d = batchNorm('BatchNorm2d', [4], '[N, C, H, W]');
