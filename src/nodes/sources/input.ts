import { defineNode, tensorPort } from '../define.ts';
import { p } from '../params.ts';

/** A tensor source: its shape may name symbols (`N` for the batch) that inference unifies. */
export const Input = defineNode({
  type: 'Input',
  group: 'sources',
  aliases: ['placeholder', 'data', 'x'],
  doc: 'A tensor fed from outside (a batch of data). Name dims with symbols like N to keep them free.',
  params: {
    shape: p.dims({ default: ['N', 784], doc: 'dims, sizes or symbol names' }),
    dtype: p.enum(['float32', 'int32'], { default: 'float32' }),
  },
  inputs: [],
  outputs: [tensorPort('output')],
  infer: (_inputs, params) => [{ dtype: params.dtype, dims: [...params.shape] }],
  lower: (b, _inputs, params, shapes) => [b.source(shapes.outputs[0], params.dtype)],
  paramCount: () => 0,
});
