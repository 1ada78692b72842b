import { defineNode, tensorPort } from '../define.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';
import type { ShapeIssue } from '../types.ts';

/** nn.CrossEntropyLoss on logits [N, C] (or [N, C, d1, ...], or [C]) and class indices or probabilities. */
export const CrossEntropyLoss = defineNode({
  type: 'CrossEntropyLoss',
  group: 'losses',
  aliases: ['cross entropy', 'softmax loss', 'nn.CrossEntropyLoss', 'ce'],
  doc: 'Softmax over the class dim, then the negative log-probability of the target class.',
  formula: 'ℓ = −log softmax(x)[y]',
  params: {
    reduction: p.enum(['mean', 'sum', 'none'], { default: 'mean' }),
    label_smoothing: p.float({ default: 0, min: 0, max: 1 }),
    ignore_index: p.int({ default: -100 }),
  },
  inputs: [
    tensorPort('input', { doc: 'logits [N, C]' }),
    tensorPort('target', { doc: 'class indices [N] (int) or probabilities [N, C]' }),
  ],
  outputs: [tensorPort('output')],
  infer([x, y], params, ctx) {
    const fail = (code: string, message: string, port = 'target'): ShapeIssue[] => [
      { severity: 'error', code, port, message },
    ];
    if (!x) return fail('missing_input', 'CrossEntropyLoss needs logits', 'input');
    if (!y) return fail('missing_input', 'CrossEntropyLoss needs a target');
    if (x.dims.length === 0)
      return fail('rank', 'CrossEntropyLoss needs logits with a class dim, got a 0-d scalar', 'input');
    const perSample = (dims: typeof x.dims) => (params.reduction === 'none' ? dims : []);
    if (y.dtype === 'float32') {
      // class probabilities: the same shape as the logits
      const same = y.dims.length === x.dims.length && x.dims.every((d, i) => ctx.unify(d, y.dims[i]));
      if (!same) {
        return fail(
          'target_shape',
          `Expected target of the input's shape ${formatDims(x.dims)} when it holds class probabilities, got ${formatDims(y.dims)}`,
        );
      }
      return [
        { dtype: 'float32', dims: perSample(x.dims.length === 1 ? [] : [x.dims[0], ...x.dims.slice(2)]) },
      ];
    }
    const expected = x.dims.length === 1 ? [] : [x.dims[0], ...x.dims.slice(2)];
    if (y.dims.length !== expected.length) {
      if (x.dims.length >= 2 && y.dims.length >= 1 && !ctx.unify(x.dims[0], y.dims[0])) {
        return fail(
          'batch_size',
          `Expected input batch_size (${x.dims[0]}) to match target batch_size (${y.dims[0]}).`,
        );
      }
      return fail(
        'target_shape',
        `Expected target of size ${formatDims(expected)} for input of size ${formatDims(x.dims)}, got ${formatDims(y.dims)}`,
      );
    }
    if (x.dims.length >= 2 && !ctx.unify(x.dims[0], y.dims[0])) {
      return fail(
        'batch_size',
        `Expected input batch_size (${x.dims[0]}) to match target batch_size (${y.dims[0]}).`,
      );
    }
    for (let i = 1; i < expected.length; i++) {
      if (!ctx.unify(expected[i], y.dims[i])) {
        return fail(
          'target_shape',
          `Expected target size ${formatDims(expected)}, got ${formatDims(y.dims)}`,
        );
      }
    }
    return [{ dtype: 'float32', dims: perSample(expected) }];
  },
  lower: (b, [x, y], params) =>
    b.op('cross_entropy', [x, y], {
      reduction: params.reduction,
      label_smoothing: params.label_smoothing,
      ignore_index: params.ignore_index,
    }),
  paramCount: () => 0,
  flops: ([x]) => (x ? 3 * x.dims.reduce<number>((n, d) => n * (typeof d === 'number' ? d : 0), 1) : 0),
});
