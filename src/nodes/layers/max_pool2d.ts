import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel, slidingOut } from '../kit/dims.ts';
import { nullableTuple, poolFitIssue, poolPaddingIssue } from '../kit/pool.ts';
import { p, tuple } from '../params.ts';
import { formatDims } from '../shapes.ts';

/** nn.MaxPool2d: the largest value of each window. */
export const MaxPool2d = declareNode({
  type: 'MaxPool2d',
  group: 'layers',
  aliases: ['max pool', 'maxpool', 'pooling', 'nn.MaxPool2d'],
  doc: 'Keeps the largest value of each kernel_size window over height and width; stride defaults to the kernel size.',
  formula: 'y[n,c,i,j] = max_{a,b} x[n, c, s·i + d·a − p, s·j + d·b − p]',
  params: {
    kernel_size: p.intTuple({ default: 2, length: 2, min: 1 }),
    stride: nullableTuple({ default: null, length: 2, min: 1, doc: 'null: the kernel size' }),
    padding: p.intTuple({ default: 0, length: 2, min: 0 }),
    dilation: p.intTuple({ default: 1, length: 2, min: 1 }),
    ceil_mode: p.bool({ default: false }),
  },
  inputs: [tensorPort('input', { doc: '[N, C, H, W] or [C, H, W]' })],
  outputs: [tensorPort('output')],
  infer([x], params) {
    if (!x) return fail('missing_input', 'MaxPool2d needs an input', { port: 'input' });
    const k = tuple(params.kernel_size, 2);
    const s = params.stride === null ? k : tuple(params.stride, 2);
    const pad = tuple(params.padding, 2);
    const d = tuple(params.dilation, 2);
    const padIssue = poolPaddingIssue('MaxPool2d', pad, k, d, params.padding);
    if (padIssue.length) return padIssue;
    const rank = x.dims.length;
    if (rank !== 3 && rank !== 4) {
      return fail(
        'rank',
        `Expected 3D or 4D (batch mode) tensor for input with non-zero batch dim, but got: ${formatDims(x.dims)}`,
        { port: 'input' },
      );
    }
    const hw = x.dims.slice(rank - 2);
    const out = hw.map((h, i) => slidingOut(h, k[i], s[i], pad[i], d[i], params.ceil_mode));
    if (out.every((o) => typeof o === 'number')) {
      const fit = poolFitIssue('MaxPool2d', hw as number[], out as number[], params.kernel_size);
      if (fit.length) return fit;
    }
    return [{ dtype: x.dtype, dims: [...x.dims.slice(0, rank - 2), ...out] }];
  },
  lower: (b, [x], params) =>
    b.op('max_pool2d', [x], {
      kernel_size: tuple(params.kernel_size, 2),
      stride: params.stride === null ? null : tuple(params.stride, 2),
      padding: tuple(params.padding, 2),
      dilation: tuple(params.dilation, 2),
      ceil_mode: params.ceil_mode,
    }),
  paramCount: () => 0,
  flops([x], params) {
    if (!x || x.dims.length < 2) return 0;
    const k = tuple(params.kernel_size, 2);
    const s = params.stride === null ? k : tuple(params.stride, 2);
    const pad = tuple(params.padding, 2);
    const d = tuple(params.dilation, 2);
    const hw = x.dims.slice(-2).map((h, i) => slidingOut(h, k[i], s[i], pad[i], d[i], params.ceil_mode));
    return numel([...x.dims.slice(0, -2), ...hw]) * k[0] * k[1];
  },
});
