import { ReLU } from '../activations/relu.ts';
import { tensorPort } from '../define.ts';
import { Conv2d } from '../layers/conv2d.ts';
import { Identity } from '../layers/identity.ts';
import { MaxPool2d } from '../layers/max_pool2d.ts';
import { p, tuple } from '../params.ts';
import { Concat } from '../reshape/concat.ts';
import { defineComposite, type Ref, SubgraphBuilder } from './composite.ts';

/** D2L's Inception block: four parallel paths joined along the channels. */
export const InceptionBlock = defineComposite({
  type: 'InceptionBlock',
  aliases: ['inception', 'googlenet block', 'Inception'],
  doc: 'Four parallel paths over the same input — 1×1 conv; 1×1 then 3×3; 1×1 then 5×5; 3×3 max pool then 1×1 — each with ReLU, concatenated along the channels (GoogLeNet, D2L’s Inception).',
  formula: 'y = [p₁(x) ‖ p₂(x) ‖ p₃(x) ‖ p₄(x)] along channels;  C_out = c1 + c2[1] + c3[1] + c4',
  params: {
    in_channels: p.int({ default: 192, min: 1 }),
    c1: p.int({ default: 64, min: 1, doc: 'path 1: 1×1 conv channels' }),
    c2: p.intTuple({ default: [96, 128], length: 2, min: 1, doc: 'path 2: 1×1 then 3×3 conv channels' }),
    c3: p.intTuple({ default: [16, 32], length: 2, min: 1, doc: 'path 3: 1×1 then 5×5 conv channels' }),
    c4: p.int({ default: 32, min: 1, doc: 'path 4: 1×1 conv channels after the pool' }),
  },
  inputs: [tensorPort('input', { doc: '[N, in_channels, H, W]' })],
  outputs: [tensorPort('output', { doc: '[N, c1 + c2[1] + c3[1] + c4, H, W]' })],
  build(q) {
    const g = new SubgraphBuilder();
    const x = g.input('input', Identity);
    const conv = (name: string, from: Ref, cin: number, cout: number, k: number): Ref => {
      const c = g.add(
        name,
        Conv2d,
        { in_channels: cin, out_channels: cout, kernel_size: k, padding: (k - 1) / 2 },
        { input: from },
      );
      return g.add(`${name}.relu`, ReLU, {}, { input: c });
    };
    const [c2a, c2b] = tuple(q.c2, 2);
    const [c3a, c3b] = tuple(q.c3, 2);
    const p1 = conv('p1_1', x, q.in_channels, q.c1, 1);
    const p2 = conv('p2_2', conv('p2_1', x, q.in_channels, c2a, 1), c2a, c2b, 3);
    const p3 = conv('p3_2', conv('p3_1', x, q.in_channels, c3a, 1), c3a, c3b, 5);
    const pool = g.add('p4_1', MaxPool2d, { kernel_size: 3, stride: 1, padding: 1 }, { input: x });
    const p4 = conv('p4_2', pool, q.in_channels, q.c4, 1);
    g.output('output', g.add('cat', Concat, { dim: 1 }, { x0: p1, x1: p2, x2: p3, x3: p4 }));
    return g;
  },
});
