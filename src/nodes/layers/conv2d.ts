import { defineNode, sizeOrZero, tensorPort } from '../define.ts';
import { p, tuple } from '../params.ts';
import { slidingOut } from '../kit/dims.ts';
import { formatDims } from '../shapes.ts';
import type { Dim, ShapeIssue } from '../types.ts';

/**
 * One spatial output size: ⌊(H + 2p − d(k−1) − 1)/s⌋ + 1. A symbolic H gives the same formula
 * as text (kit/dims.ts), so equal sizes stay equal and live mode can evaluate it.
 */
const convOut = (h: Dim, k: number, s: number, pad: number, d: number): Dim => slidingOut(h, k, s, pad, d);

/** nn.Conv2d over NCHW (or unbatched CHW) input. */
export const Conv2d = defineNode({
  type: 'Conv2d',
  group: 'layers',
  aliases: ['conv', 'convolution', 'nn.Conv2d'],
  doc: 'Slides out_channels learned kernels over the height and width of a [N, C, H, W] input.',
  formula: 'y[n,o] = b[o] + Σ_c W[o,c] ⋆ x[n,c]',
  params: {
    in_channels: p.int({ default: 1, min: 1 }),
    out_channels: p.int({ default: 6, min: 1 }),
    kernel_size: p.intTuple({ default: 3, length: 2, min: 1 }),
    stride: p.intTuple({ default: 1, length: 2, min: 1 }),
    padding: p.intTuple({ default: 0, length: 2, min: 0 }),
    dilation: p.intTuple({ default: 1, length: 2, min: 1 }),
    groups: p.int({ default: 1, min: 1 }),
    bias: p.bool({ default: true }),
  },
  inputs: [tensorPort('input')],
  outputs: [tensorPort('output')],
  infer([x], params, ctx) {
    const fail = (code: string, message: string, extra: Partial<ShapeIssue> = {}): ShapeIssue[] => [
      { severity: 'error', code, port: 'input', message, ...extra },
    ];
    if (!x) return fail('missing_input', 'Conv2d needs an input');
    const { in_channels: cin, out_channels: cout, groups } = params;
    if (cin % groups !== 0)
      return fail('groups', 'in_channels must be divisible by groups', { port: undefined });
    if (cout % groups !== 0)
      return fail('groups', 'out_channels must be divisible by groups', { port: undefined });
    const rank = x.dims.length;
    if (rank !== 3 && rank !== 4) {
      return fail(
        'rank',
        `Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: ${formatDims(x.dims)}`,
      );
    }
    const [kh, kw] = tuple(params.kernel_size, 2);
    const [sh, sw] = tuple(params.stride, 2);
    const [ph, pw] = tuple(params.padding, 2);
    const [dh, dw] = tuple(params.dilation, 2);
    const c = x.dims[rank - 3];
    if (!ctx.unify(c, cin)) {
      const weight = formatDims([cout, cin / groups, kh, kw]);
      return fail(
        'in_channels',
        `Given groups=${groups}, weight of size ${weight}, expected input${formatDims(x.dims)} to have ${cin} channels, but got ${c} channels instead`,
        {
          explanation: `Conv2d(in_channels=${cin}) expects dim ${rank - 3} of its input to hold ${cin} channels; it holds ${c}.`,
          fixes: [
            {
              label: `Set in_channels to ${c}`,
              intents: [{ kind: 'setParam', param: 'in_channels', value: c }],
            },
          ],
        },
      );
    }
    // the channel unification may have just bound a symbol that H or W also use
    const h = ctx.resolve(x.dims[rank - 2]);
    const w = ctx.resolve(x.dims[rank - 1]);
    const pad = (d: Dim, p: number): Dim =>
      typeof d === 'number' ? d + 2 * p : p === 0 ? d : `${d}+${2 * p}`;
    const padded = [pad(h, ph), pad(w, pw)];
    const reach = [dh * (kh - 1) + 1, dw * (kw - 1) + 1];
    // PyTorch checks both spatial dims; a symbolic one is taken to be large enough
    if (
      (typeof padded[0] === 'number' && padded[0] < reach[0]) ||
      (typeof padded[1] === 'number' && padded[1] < reach[1])
    ) {
      return fail(
        'kernel_size',
        `Calculated padded input size per channel: (${padded[0]} x ${padded[1]}). Kernel size: (${reach[0]} x ${reach[1]}). Kernel size can't be greater than actual input size`,
      );
    }
    const spatial = [convOut(h, kh, sh, ph, dh), convOut(w, kw, sw, pw, dw)];
    return [{ dtype: 'float32', dims: [...x.dims.slice(0, rank - 3), cout, ...spatial] }];
  },
  lower(b, [x], params) {
    const [kh, kw] = tuple(params.kernel_size, 2);
    const fanIn = { kind: 'uniform_fan_in', fanIn: (params.in_channels / params.groups) * kh * kw } as const;
    const weight = b.param(
      'weight',
      [params.out_channels, params.in_channels / params.groups, kh, kw],
      fanIn,
    );
    const bias = params.bias ? b.param('bias', [params.out_channels], fanIn) : null;
    return b.op('conv2d', [x, weight, bias], {
      stride: tuple(params.stride, 2),
      padding: tuple(params.padding, 2),
      dilation: tuple(params.dilation, 2),
      groups: params.groups,
    });
  },
  paramCount(_inputs, params) {
    const [kh, kw] = tuple(params.kernel_size, 2);
    const weights = params.out_channels * (params.in_channels / params.groups) * kh * kw;
    return weights + (params.bias ? params.out_channels : 0);
  },
  flops([x], params) {
    if (!x || x.dims.length < 3) return 0;
    const [kh, kw] = tuple(params.kernel_size, 2);
    const out = this.infer([x], params, { unify: () => true, resolve: (d) => d, warn: () => {} });
    const dims = Array.isArray(out) && 'dims' in out[0] ? out[0].dims : [];
    const positions = dims.reduce<number>((n, d) => n * sizeOrZero(d), 1);
    return positions * (params.in_channels / params.groups) * kh * kw;
  },
});
