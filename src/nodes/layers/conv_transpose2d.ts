import { tensorPort } from '../define.ts';
import { declareNode, fail, rangeIssue } from '../kit/checks.ts';
import { channelIssue, groupIssues } from '../kit/conv.ts';
import { numel, transposedOut } from '../kit/dims.ts';
import { fanInUniform, initParam, initStdParam, weightInit } from '../kit/init.ts';
import { p, tuple } from '../params.ts';
import { formatDims } from '../shapes.ts';

/** nn.ConvTranspose2d: the gradient of a conv2d with respect to its input, used to upsample. */
export const ConvTranspose2d = declareNode({
  type: 'ConvTranspose2d',
  group: 'layers',
  aliases: ['deconvolution', 'transposed convolution', 'upconv', 'nn.ConvTranspose2d'],
  doc: 'Upsamples [N, C, H, W]: each input pixel scatters a learned kernel into the output (a conv2d run backwards).',
  formula: 'H_out = (H − 1)·s − 2p + d·(k − 1) + output_padding + 1;  y[n,o] = b[o] + Σ_c x[n,c] ⊛ᵀ W[c,o]',
  params: {
    in_channels: p.int({ default: 8, min: 1 }),
    out_channels: p.int({ default: 4, min: 1 }),
    kernel_size: p.intTuple({ default: 2, length: 2, min: 1 }),
    stride: p.intTuple({ default: 1, length: 2, min: 1 }),
    padding: p.intTuple({ default: 0, length: 2, min: 0 }),
    output_padding: p.intTuple({ default: 0, length: 2, min: 0 }),
    groups: p.int({ default: 1, min: 1 }),
    bias: p.bool({ default: true }),
    dilation: p.intTuple({ default: 1, length: 2, min: 1 }),
    init: initParam(),
    init_std: initStdParam(),
  },
  inputs: [tensorPort('input', { doc: '[N, C, H, W] or [C, H, W]' })],
  outputs: [tensorPort('output')],
  infer([x], params, ctx) {
    if (!x) return fail('missing_input', 'ConvTranspose2d needs an input', { port: 'input' });
    const { in_channels: cin, out_channels: cout, groups } = params;
    const grouping = groupIssues('ConvTranspose2d', cin, cout, groups);
    if (grouping.length) return grouping;
    const [kh, kw] = tuple(params.kernel_size, 2);
    const [sh, sw] = tuple(params.stride, 2);
    const [ph, pw] = tuple(params.padding, 2);
    const [oh, ow] = tuple(params.output_padding, 2);
    const [dh, dw] = tuple(params.dilation, 2);
    if (oh >= Math.max(sh, dh) || ow >= Math.max(sw, dw)) {
      return rangeIssue(
        'ConvTranspose2d',
        'output_padding',
        `smaller than either stride or dilation (< ${Math.max(sh, dh)}, ${Math.max(sw, dw)})`,
        params.output_padding,
        `output padding must be smaller than either stride or dilation, but got output_padding_height: ${oh} output_padding_width: ${ow} stride_height: ${sh} stride_width: ${sw} dilation_height: ${dh} dilation_width: ${dw}`,
      );
    }
    const rank = x.dims.length;
    if (rank !== 3 && rank !== 4) {
      return fail(
        'rank',
        `Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: ${formatDims(x.dims)}`,
        { port: 'input' },
      );
    }
    const c = x.dims[rank - 3];
    if (!ctx.unify(c, cin)) return channelIssue([cin, cout / groups, kh, kw], groups, x.dims, cin, c);
    const h = transposedOut(x.dims[rank - 2], kh, sh, ph, dh, oh);
    const w = transposedOut(x.dims[rank - 1], kw, sw, pw, dw, ow);
    if ((typeof h === 'number' && h <= 0) || (typeof w === 'number' && w <= 0)) {
      return rangeIssue(
        'ConvTranspose2d',
        'padding',
        'small enough to leave an output of at least 1x1',
        params.padding,
        `the output would be ${h}x${w}`,
      );
    }
    return [{ dtype: 'float32', dims: [...x.dims.slice(0, rank - 3), cout, h, w] }];
  },
  lower(b, [x], params) {
    const [kh, kw] = tuple(params.kernel_size, 2);
    // PyTorch's weight is [C_in, C_out/groups, kh, kw]; its fan_in is shape[1]·kh·kw
    const shape = [params.in_channels, params.out_channels / params.groups, kh, kw];
    const fanIn = fanInUniform(shape[1] * kh * kw);
    const weight = b.param('weight', shape, weightInit(params.init, shape, params.init_std, fanIn));
    const bias = params.bias ? b.param('bias', [params.out_channels], fanIn) : null;
    return b.op('conv_transpose2d', [x, weight, bias], {
      stride: tuple(params.stride, 2),
      padding: tuple(params.padding, 2),
      output_padding: tuple(params.output_padding, 2),
      dilation: tuple(params.dilation, 2),
      groups: params.groups,
    });
  },
  paramCount(_inputs, params) {
    const [kh, kw] = tuple(params.kernel_size, 2);
    return (
      params.in_channels * (params.out_channels / params.groups) * kh * kw +
      (params.bias ? params.out_channels : 0)
    );
  },
  flops([x], params) {
    if (!x) return 0;
    const [kh, kw] = tuple(params.kernel_size, 2);
    // every input position scatters one kernel per output channel
    return numel(x.dims) * (params.out_channels / params.groups) * kh * kw;
  },
});
