import { sizeOrZero, tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { channelIssue, groupIssues, kernelFitIssue } from '../kit/conv.ts';
import { numel, slidingOut } from '../kit/dims.ts';
import { fanInUniform, initParam, initStdParam, weightInit } from '../kit/init.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';

/** nn.Conv1d over [N, C, L] (or unbatched [C, L]). */
export const Conv1d = declareNode({
  type: 'Conv1d',
  group: 'layers',
  aliases: ['conv1d', 'temporal convolution', 'nn.Conv1d'],
  doc: 'Slides out_channels learned kernels along the length of a [N, C, L] input (sequences, signals).',
  formula: 'y[n,o,t] = b[o] + Σ_c Σ_j W[o,c,j]·x[n, c, s·t + d·j − p]',
  params: {
    in_channels: p.int({ default: 1, min: 1 }),
    out_channels: p.int({ default: 8, min: 1 }),
    kernel_size: p.int({ default: 3, min: 1 }),
    stride: p.int({ default: 1, min: 1 }),
    padding: p.int({ default: 0, min: 0 }),
    dilation: p.int({ default: 1, min: 1 }),
    groups: p.int({ default: 1, min: 1 }),
    bias: p.bool({ default: true }),
    init: initParam(),
    init_std: initStdParam(),
  },
  inputs: [tensorPort('input', { doc: '[N, C, L] or [C, L]' })],
  outputs: [tensorPort('output', { doc: '[N, out_channels, L_out]' })],
  infer([x], params, ctx) {
    if (!x) return fail('missing_input', 'Conv1d needs an input', { port: 'input' });
    const { in_channels: cin, out_channels: cout, groups, kernel_size: k } = params;
    const grouping = groupIssues('Conv1d', cin, cout, groups);
    if (grouping.length) return grouping;
    const rank = x.dims.length;
    if (rank !== 2 && rank !== 3) {
      return fail(
        'rank',
        `Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: ${formatDims(x.dims)}`,
        { port: 'input' },
      );
    }
    const c = x.dims[rank - 2];
    if (!ctx.unify(c, cin)) return channelIssue([cout, cin / groups, k], groups, x.dims, cin, c);
    const length = x.dims[rank - 1];
    if (typeof length === 'number') {
      const fit = kernelFitIssue([length + 2 * params.padding], [params.dilation * (k - 1) + 1], [k]);
      if (fit.length) return fit;
    }
    const out = slidingOut(length, k, params.stride, params.padding, params.dilation);
    return [{ dtype: 'float32', dims: [...x.dims.slice(0, rank - 2), cout, out] }];
  },
  lower(b, [x], params) {
    const shape = [params.out_channels, params.in_channels / params.groups, params.kernel_size];
    const fanIn = fanInUniform(shape[1] * shape[2]);
    const weight = b.param('weight', shape, weightInit(params.init, shape, params.init_std, fanIn));
    const bias = params.bias ? b.param('bias', [params.out_channels], fanIn) : null;
    return b.op('conv1d', [x, weight, bias], {
      stride: [params.stride],
      padding: [params.padding],
      dilation: [params.dilation],
      groups: params.groups,
    });
  },
  paramCount: (_inputs, params) =>
    params.out_channels * (params.in_channels / params.groups) * params.kernel_size +
    (params.bias ? params.out_channels : 0),
  flops([x], params) {
    if (!x || x.dims.length < 2) return 0;
    const length = slidingOut(
      x.dims[x.dims.length - 1],
      params.kernel_size,
      params.stride,
      params.padding,
      params.dilation,
    );
    const batch = numel(x.dims.slice(0, -2));
    return (
      batch *
      sizeOrZero(length) *
      params.out_channels *
      (params.in_channels / params.groups) *
      params.kernel_size
    );
  },
});
