import { ReLU } from '../activations/relu.ts';
import { tensorPort } from '../define.ts';
import { BatchNorm2d } from '../layers/batch_norm.ts';
import { Conv2d } from '../layers/conv2d.ts';
import { Identity } from '../layers/identity.ts';
import { Add } from '../math/elementwise.ts';
import { p } from '../params.ts';
import { defineComposite, type Ref, SubgraphBuilder } from './composite.ts';

/** conv → batch norm, named as PyTorch's modules are (conv1/bn1, …). */
function convBn(
  g: SubgraphBuilder,
  i: number,
  input: Ref,
  conv: Record<string, number | boolean>,
  channels: number,
  bn = `bn${i}`,
): Ref {
  const c = g.add(`conv${i}`, Conv2d, conv, { input });
  return g.add(bn, BatchNorm2d, { num_features: channels }, { input: c });
}

/** D2L's Residual: two 3×3 convs with batch norm, added to the input (through a 1×1 conv when shapes change). */
export const ResNetBasicBlock = defineComposite({
  type: 'ResNetBasicBlock',
  aliases: ['residual block', 'resnet block', 'skip connection', 'Residual'],
  doc: 'Two 3×3 convolutions with batch norm and ReLU, whose output is added to the block’s input (the skip); a 1×1 conv reshapes the skip when channels or stride change. ResNet-18/34’s unit (D2L’s Residual).',
  formula: 'y = ReLU(BN(conv₂(ReLU(BN(conv₁ x)))) + shortcut(x)),  shortcut = x or conv₃ x (1×1)',
  params: {
    in_channels: p.int({ default: 64, min: 1 }),
    num_channels: p.int({ default: 64, min: 1, doc: 'output channels' }),
    use_1x1conv: p.bool({
      default: false,
      doc: 'a 1×1 conv on the skip path (needed when channels or stride change)',
    }),
    strides: p.int({ default: 1, min: 1 }),
  },
  inputs: [tensorPort('input', { doc: '[N, in_channels, H, W]' })],
  outputs: [tensorPort('output', { doc: '[N, num_channels, H/strides, W/strides]' })],
  build(q) {
    const g = new SubgraphBuilder();
    const x = g.input('input', Identity);
    const c = q.num_channels;
    const y1 = convBn(
      g,
      1,
      x,
      { in_channels: q.in_channels, out_channels: c, kernel_size: 3, padding: 1, stride: q.strides },
      c,
    );
    const r1 = g.add('relu1', ReLU, {}, { input: y1 });
    const y2 = convBn(g, 2, r1, { in_channels: c, out_channels: c, kernel_size: 3, padding: 1 }, c);
    const skip = q.use_1x1conv
      ? g.add(
          'conv3',
          Conv2d,
          { in_channels: q.in_channels, out_channels: c, kernel_size: 1, stride: q.strides },
          { input: x },
        )
      : x;
    const sum = g.add('add', Add, {}, { a: y2, b: skip });
    g.output('output', g.add('relu', ReLU, {}, { input: sum }));
    return g;
  },
});

/** torchvision's Bottleneck: 1×1 reduce, 3×3, 1×1 expand (×4), bias-free convs, projected skip when shapes change. */
export const ResNetBottleneckBlock = defineComposite({
  type: 'ResNetBottleneckBlock',
  aliases: ['bottleneck', 'resnet-50 block', 'Bottleneck'],
  doc: 'A 1×1 conv narrows the channels, a 3×3 conv works at the narrow width, a 1×1 conv widens by 4; the result is added to the input (projected by a 1×1 conv + BN when the shape changes). ResNet-50/101/152’s unit.',
  formula: 'y = ReLU(BN(conv₃(ReLU(BN(conv₂(ReLU(BN(conv₁ x))))))) + shortcut(x)),  out = 4·width',
  params: {
    in_channels: p.int({ default: 256, min: 1 }),
    width: p.int({ default: 64, min: 1, doc: 'the narrow width; the block outputs 4·width channels' }),
    stride: p.int({ default: 1, min: 1 }),
  },
  inputs: [tensorPort('input', { doc: '[N, in_channels, H, W]' })],
  outputs: [tensorPort('output', { doc: '[N, 4·width, H/stride, W/stride]' })],
  build(q) {
    const g = new SubgraphBuilder();
    const x = g.input('input', Identity);
    const w = q.width;
    const out = 4 * w;
    const y1 = g.add(
      'relu1',
      ReLU,
      {},
      {
        input: convBn(
          g,
          1,
          x,
          { in_channels: q.in_channels, out_channels: w, kernel_size: 1, bias: false },
          w,
        ),
      },
    );
    const y2 = g.add(
      'relu2',
      ReLU,
      {},
      {
        input: convBn(
          g,
          2,
          y1,
          { in_channels: w, out_channels: w, kernel_size: 3, padding: 1, stride: q.stride, bias: false },
          w,
        ),
      },
    );
    const y3 = convBn(g, 3, y2, { in_channels: w, out_channels: out, kernel_size: 1, bias: false }, out);
    let skip = x;
    if (q.stride !== 1 || q.in_channels !== out) {
      const proj = g.add(
        'downsample.0',
        Conv2d,
        { in_channels: q.in_channels, out_channels: out, kernel_size: 1, stride: q.stride, bias: false },
        { input: x },
      );
      skip = g.add('downsample.1', BatchNorm2d, { num_features: out }, { input: proj });
    }
    const sum = g.add('add', Add, {}, { a: y3, b: skip });
    g.output('output', g.add('relu', ReLU, {}, { input: sum }));
    return g;
  },
});
