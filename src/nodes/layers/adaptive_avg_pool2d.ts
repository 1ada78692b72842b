import { tensorPort } from '../define.ts';
import { declareNode, fail } from '../kit/checks.ts';
import { numel } from '../kit/dims.ts';
import { p, tuple } from '../params.ts';
import { formatDims } from '../shapes.ts';

/** nn.AdaptiveAvgPool2d: averages into a fixed output grid whatever the input size (global pooling at 1x1). */
export const AdaptiveAvgPool2d = declareNode({
  type: 'AdaptiveAvgPool2d',
  group: 'layers',
  aliases: ['global average pooling', 'gap', 'adaptive pool', 'nn.AdaptiveAvgPool2d'],
  doc: 'Averages [N, C, H, W] into an output_size grid of bins, whatever H and W are; 1x1 is global average pooling.',
  formula: 'y[n,c,i,j] = mean of x[n,c] over rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ and the same for columns',
  params: { output_size: p.intTuple({ default: 1, length: 2, min: 1 }) },
  inputs: [tensorPort('input', { doc: '[N, C, H, W] or [C, H, W]' })],
  outputs: [tensorPort('output')],
  infer([x], params) {
    if (!x) return fail('missing_input', 'AdaptiveAvgPool2d needs an input', { port: 'input' });
    const rank = x.dims.length;
    if (rank !== 3 && rank !== 4) {
      return fail('rank', `adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ${formatDims(x.dims)}`, {
        port: 'input',
      });
    }
    return [{ dtype: 'float32', dims: [...x.dims.slice(0, rank - 2), ...tuple(params.output_size, 2)] }];
  },
  lower: (b, [x], params) => b.op('adaptive_avg_pool2d', [x], { output_size: tuple(params.output_size, 2) }),
  paramCount: () => 0,
  flops: ([x]) => (x ? numel(x.dims) : 0),
});
