import { tensorPort } from '../define.ts';
import { declareNode, fail, rangeIssue } from '../kit/checks.ts';
import { channelIssue } from '../kit/conv.ts';
import { numel, operand } from '../kit/dims.ts';
import { fanInUniform, initParam, initStdParam, weightInit } from '../kit/init.ts';
import { p } from '../params.ts';
import { formatDims } from '../shapes.ts';
import type { Dim } from '../types.ts';

const patches = (h: Dim, k: number): Dim =>
  typeof h === 'number' ? Math.floor(h / k) : `${operand(h)}/${k}`;

/** D2L's ViT PatchEmbedding: a conv with kernel = stride = patch_size, flattened into a sequence of patch tokens. */
export const PatchEmbedding = declareNode({
  type: 'PatchEmbedding',
  group: 'layers',
  aliases: ['vit', 'patchify', 'patch embedding', 'image tokens'],
  doc: 'Cuts [N, C, H, W] images into patch_size × patch_size patches and maps each linearly to num_hiddens features: [N, (H/p)·(W/p), num_hiddens].',
  formula: 'y[n, i, :] = W·vec(patch_i(x[n])) + b  (a conv2d with kernel = stride = patch_size)',
  params: {
    in_channels: p.int({ default: 1, min: 1 }),
    patch_size: p.int({ default: 16, min: 1 }),
    num_hiddens: p.int({ default: 512, min: 1 }),
    init: initParam(),
    init_std: initStdParam(),
  },
  inputs: [tensorPort('input', { doc: '[N, C, H, W]' })],
  outputs: [tensorPort('output', { doc: '[N, num_patches, num_hiddens]' })],
  infer([x], params, ctx) {
    if (!x) return fail('missing_input', 'PatchEmbedding needs an input', { port: 'input' });
    if (x.dims.length !== 4)
      return fail('rank', `PatchEmbedding expects images [N, C, H, W], got ${formatDims(x.dims)}`, {
        port: 'input',
      });
    const [n, c, h, w] = x.dims;
    const k = params.patch_size;
    if (!ctx.unify(c, params.in_channels))
      return channelIssue([params.num_hiddens, params.in_channels, k, k], 1, x.dims, params.in_channels, c);
    for (const side of [h, w]) {
      if (typeof side === 'number' && side < k)
        return rangeIssue('PatchEmbedding', 'patch_size', `at most the image size ${side}`, k);
    }
    const ph = patches(h, k);
    const pw = patches(w, k);
    const count =
      typeof ph === 'number' && typeof pw === 'number' ? ph * pw : `${operand(ph)}*${operand(pw)}`;
    return [{ dtype: 'float32', dims: [n, count, params.num_hiddens] }];
  },
  lower(b, [x], params, shapes) {
    const k = params.patch_size;
    const shape = [params.num_hiddens, params.in_channels, k, k];
    const fanIn = fanInUniform(params.in_channels * k * k);
    const weight = b.param('conv.weight', shape, weightInit(params.init, shape, params.init_std, fanIn));
    const bias = b.param('conv.bias', [params.num_hiddens], fanIn);
    const [grid] = b.op('conv2d', [x, weight, bias], {
      stride: [k, k],
      padding: [0, 0],
      dilation: [1, 1],
      groups: 1,
    });
    const [n, count, hidden] = shapes.outputs[0];
    const [flat] = b.op('reshape', [grid], { shape: [n, hidden, count] });
    return b.op('transpose', [flat], { dim0: 1, dim1: 2 });
  },
  paramCount: (_inputs, params) => params.num_hiddens * (params.in_channels * params.patch_size ** 2 + 1),
  flops: ([x], params) => (x ? numel(x.dims) * params.num_hiddens : 0),
});
