import { ReLU } from '../activations/relu.ts';
import { tensorPort } from '../define.ts';
import { BatchNorm2d } from '../layers/batch_norm.ts';
import { Conv2d } from '../layers/conv2d.ts';
import { Identity } from '../layers/identity.ts';
import { p } from '../params.ts';
import { Concat } from '../reshape/concat.ts';
import { defineComposite, SubgraphBuilder } from './composite.ts';

/** D2L's DenseBlock: each conv block sees every earlier block's output, concatenated. */
export const DenseBlock = defineComposite({
  type: 'DenseBlock',
  aliases: ['densenet block', 'dense connections', 'DenseNet'],
  doc: 'num_convs conv blocks (BN, ReLU, 3×3 conv with num_channels outputs); each block’s input is the block input concatenated with every earlier block’s output (DenseNet, D2L’s DenseBlock).',
  formula: 'x_{i+1} = [x_i ‖ conv(ReLU(BN(x_i)))];  C_out = C_in + num_convs·num_channels',
  params: {
    num_convs: p.int({ default: 2, min: 1, max: 32 }),
    in_channels: p.int({ default: 3, min: 1 }),
    num_channels: p.int({ default: 10, min: 1, doc: 'the growth rate: channels each conv block adds' }),
  },
  inputs: [tensorPort('input', { doc: '[N, in_channels, H, W]' })],
  outputs: [tensorPort('output', { doc: '[N, in_channels + num_convs·num_channels, H, W]' })],
  build(q) {
    const g = new SubgraphBuilder();
    let x = g.input('input', Identity);
    for (let i = 0; i < q.num_convs; i++) {
      const channels = q.in_channels + i * q.num_channels;
      const bn = g.add(`net.${i}.0`, BatchNorm2d, { num_features: channels }, { input: x });
      const relu = g.add(`net.${i}.1`, ReLU, {}, { input: bn });
      const conv = g.add(
        `net.${i}.2`,
        Conv2d,
        { in_channels: channels, out_channels: q.num_channels, kernel_size: 3, padding: 1 },
        { input: relu },
      );
      x = g.add(`cat${i}`, Concat, { dim: 1 }, { x0: x, x1: conv });
    }
    g.output('output', x);
    return g;
  },
});
