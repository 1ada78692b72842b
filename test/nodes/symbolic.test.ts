import { describe, expect, it } from 'vitest';
import { evaluateDim } from '../../src/graph/index.ts';
import { catalog } from '../../src/nodes/index.ts';
import { defaultParams } from '../../src/nodes/params.ts';
import type { Dim } from '../../src/nodes/types.ts';
import { concrete } from './harness.ts';

/** Output dims for a symbolic input, then evaluated at H = W = size, must equal the numeric rule's. */
function agree(type: string, params: Record<string, unknown>, dims: (size: number | string) => Dim[]) {
  const def = catalog.get(type)!;
  const q = { ...defaultParams(def.params), ...params } as never;
  const symbolic = def.infer([{ dtype: 'float32', dims: dims('H') }], q, { ...concrete, unify: () => true });
  for (const size of [7, 8, 9, 27, 28, 31]) {
    const numeric = def.infer([{ dtype: 'float32', dims: dims(size) }], q, concrete);
    if (!('dims' in numeric[0]) || !('dims' in symbolic[0]))
      throw new Error(`${type}: ${JSON.stringify([symbolic, numeric])}`);
    const evaluated = symbolic[0].dims.map((d) => evaluateDim(d, { H: size }));
    expect(evaluated, `${type} at ${size}: ${symbolic[0].dims.join(', ')}`).toEqual(numeric[0].dims);
  }
}

describe('symbolic spatial sizes evaluate to the numeric ones', () => {
  it('for strided, padded, dilated convolutions and pools', () => {
    agree('Conv2d', { in_channels: 1, kernel_size: 3, stride: 2, padding: 1 }, (h) => [1, 1, h, h]);
    agree('Conv2d', { in_channels: 1, kernel_size: 5, stride: 3, padding: 0, dilation: 1 }, (h) => [
      1,
      1,
      h,
      h,
    ]);
    agree('Conv1d', { kernel_size: 3, stride: 2, dilation: 2, padding: 2 }, (h) => [1, 1, h]);
    agree('MaxPool2d', { kernel_size: 3, stride: 2, padding: 1 }, (h) => [1, 1, h, h]);
    agree('AvgPool2d', { kernel_size: 2 }, (h) => [1, 1, h, h]);
    agree(
      'ConvTranspose2d',
      { in_channels: 1, kernel_size: 3, stride: 2, padding: 1, output_padding: 1 },
      (h) => [1, 1, h, h],
    );
    agree('PatchEmbedding', { patch_size: 4, num_hiddens: 6 }, (h) => [1, 1, h, h]);
  });
});
