/**
 * The model templates, built from code: the D2L classics exactly as the reference
 * `architectures` family lists them (same layers, same order, same sizes), and a few more.
 * Node labels are the PyTorch module paths where the reference has them.
 */
import type { GraphDocument } from '../../graph/index.ts';
import type { Catalog } from '../../nodes/index.ts';
import { GraphBuilder, type Params, type Source } from '../build.ts';
import type { TemplateMeta } from '../template.ts';

type Layer = [type: string, params?: Params, label?: string];

const conv = (cin: number, cout: number, k: number, stride = 1, padding = 0): Params => ({
  in_channels: cin,
  out_channels: cout,
  kernel_size: [k, k],
  stride: [stride, stride],
  padding: [padding, padding],
});
const pool = (k: number, stride: number, padding = 0): Params => ({
  kernel_size: [k, k],
  stride: [stride, stride],
  padding: [padding, padding],
});
const linear = (fin: number, fout: number, bias = true): Params => ({
  in_features: fin,
  out_features: fout,
  bias,
});

/** An image classifier's frame: images in, the body, logits against integer labels. */
function classifier(
  c: Catalog,
  imageShape: (number | string)[],
  body: (g: GraphBuilder, x: Source) => Source,
  meta: TemplateMeta,
  /** D2L's learning rate for this model (minibatch SGD) */
  lr = 0.01,
): GraphDocument {
  const g = new GraphBuilder(c);
  const x = g.node('Input', { shape: imageShape, dtype: 'float32' }, { label: 'images', stem: 'images' });
  const logits = body(g, x);
  const labels = g.node('Input', { shape: ['N'], dtype: 'int32' }, { label: 'labels', stem: 'labels' });
  const loss = g.apply('CrossEntropyLoss', { input: logits, target: labels }, {}, 'loss');
  g.apply('SGD', { loss }, { lr }, 'minibatch SGD');
  return g.document(meta);
}

export function lenet(c: Catalog): GraphDocument {
  return classifier(
    c,
    ['N', 1, 28, 28],
    (g, x) =>
      g.chain(x, [
        ['Conv2d', conv(1, 6, 5, 1, 2), '0'],
        ['Sigmoid', {}, '1'],
        ['AvgPool2d', pool(2, 2), '2'],
        ['Conv2d', conv(6, 16, 5), '3'],
        ['Sigmoid', {}, '4'],
        ['AvgPool2d', pool(2, 2), '5'],
        ['Flatten', {}, '6'],
        ['Linear', linear(400, 120), '7'],
        ['Sigmoid', {}, '8'],
        ['Linear', linear(120, 84), '9'],
        ['Sigmoid', {}, '10'],
        ['Linear', linear(84, 10), '11'],
      ]),
    {
      title: 'LeNet-5',
      description:
        'LeCun’s LeNet as in D2L: two 5×5 convolutions with sigmoid and average pooling, then three fully connected layers, on 28×28 digits.',
      teaches:
        'How convolutions and pooling shrink 28×28 images to a 16×5×5 feature map, and that the first Linear must take 400 = 16·5·5 features.',
      tags: ['model', 'cnn', 'd2l', 'classic', 'mnist'],
    },
    0.1,
  );
}

export function alexnet(c: Catalog): GraphDocument {
  return classifier(
    c,
    ['N', 1, 224, 224],
    (g, x) =>
      g.chain(x, [
        ['Conv2d', conv(1, 96, 11, 4, 1), '0'],
        ['ReLU', {}, '1'],
        ['MaxPool2d', pool(3, 2), '2'],
        ['Conv2d', conv(96, 256, 5, 1, 2), '3'],
        ['ReLU', {}, '4'],
        ['MaxPool2d', pool(3, 2), '5'],
        ['Conv2d', conv(256, 384, 3, 1, 1), '6'],
        ['ReLU', {}, '7'],
        ['Conv2d', conv(384, 384, 3, 1, 1), '8'],
        ['ReLU', {}, '9'],
        ['Conv2d', conv(384, 256, 3, 1, 1), '10'],
        ['ReLU', {}, '11'],
        ['MaxPool2d', pool(3, 2), '12'],
        ['Flatten', {}, '13'],
        ['Linear', linear(6400, 4096), '14'],
        ['ReLU', {}, '15'],
        ['Dropout', { p: 0.5 }, '16'],
        ['Linear', linear(4096, 4096), '17'],
        ['ReLU', {}, '18'],
        ['Dropout', { p: 0.5 }, '19'],
        ['Linear', linear(4096, 10), '20'],
      ]),
    {
      title: 'AlexNet',
      description:
        'AlexNet as in D2L (one input channel, ten classes): five convolutions with ReLU and max pooling, then two 4096-wide layers with dropout.',
      teaches:
        'Where a big network’s parameters live: the convolutions hold about 3.7M, the first fully connected layer alone 26M.',
      tags: ['model', 'cnn', 'd2l', 'classic'],
    },
  );
}

export function vgg11(c: Catalog): GraphDocument {
  const arch: [number, number][] = [
    [1, 64],
    [1, 128],
    [2, 256],
    [2, 512],
    [2, 512],
  ];
  return classifier(
    c,
    ['N', 1, 224, 224],
    (g, x) => {
      let at = x;
      let cin = 1;
      arch.forEach(([convs, cout], b) => {
        const layers: Layer[] = [];
        for (let i = 0; i < convs; i++) {
          layers.push(
            ['Conv2d', conv(cin, cout, 3, 1, 1), `${b}.${2 * i}`],
            ['ReLU', {}, `${b}.${2 * i + 1}`],
          );
          cin = cout;
        }
        layers.push(['MaxPool2d', pool(2, 2), `${b}.${2 * convs}`]);
        at = g.chain(at, layers);
      });
      return g.chain(at, [
        ['Flatten', {}, '5'],
        ['Linear', linear(512 * 7 * 7, 4096), '6'],
        ['ReLU', {}, '7'],
        ['Dropout', { p: 0.5 }, '8'],
        ['Linear', linear(4096, 4096), '9'],
        ['ReLU', {}, '10'],
        ['Dropout', { p: 0.5 }, '11'],
        ['Linear', linear(4096, 10), '12'],
      ]);
    },
    {
      title: 'VGG-11',
      description:
        'VGG-11 as in D2L: five VGG blocks of 3×3 convolutions (1, 1, 2, 2, 2 convolutions; 64 to 512 channels), each ending in 2×2 max pooling, then AlexNet’s dense head.',
      teaches:
        'Networks built from repeated blocks: every block halves height and width, so 224 becomes 7 after five blocks.',
      tags: ['model', 'cnn', 'd2l', 'classic', 'blocks'],
    },
  );
}

export function nin(c: Catalog): GraphDocument {
  const block = (b: number, cin: number, cout: number, k: number, s: number, p: number): Layer[] => [
    ['Conv2d', conv(cin, cout, k, s, p), `${b}.0`],
    ['ReLU', {}, `${b}.1`],
    ['Conv2d', conv(cout, cout, 1), `${b}.2`],
    ['ReLU', {}, `${b}.3`],
    ['Conv2d', conv(cout, cout, 1), `${b}.4`],
    ['ReLU', {}, `${b}.5`],
  ];
  return classifier(
    c,
    ['N', 1, 224, 224],
    (g, x) =>
      g.chain(x, [
        ...block(0, 1, 96, 11, 4, 0),
        ['MaxPool2d', pool(3, 2), '1'],
        ...block(2, 96, 256, 5, 1, 2),
        ['MaxPool2d', pool(3, 2), '3'],
        ...block(4, 256, 384, 3, 1, 1),
        ['MaxPool2d', pool(3, 2), '5'],
        ['Dropout', { p: 0.5 }, '6'],
        ...block(7, 384, 10, 3, 1, 1),
        ['AdaptiveAvgPool2d', { output_size: [1, 1] }, '8'],
        ['Flatten', {}, '9'],
      ]),
    {
      title: 'Network in Network',
      description:
        'NiN as in D2L: blocks of one spatial convolution and two 1×1 convolutions, no dense layers; global average pooling turns ten channels into ten logits.',
      teaches:
        '1×1 convolutions act as per-pixel dense layers, and global average pooling replaces the parameter-heavy classifier head.',
      tags: ['model', 'cnn', 'd2l', 'classic', '1x1 convolution'],
    },
    0.05,
  );
}

/** D2L's Inception block: four branches joined on channels (their ReLUs are functional). */
function inception(
  g: GraphBuilder,
  x: Source,
  at: string,
  cin: number,
  c1: number,
  c2: [number, number],
  c3: [number, number],
  c4: number,
): Source {
  const b1 = g.chain(x, [['Conv2d', conv(cin, c1, 1), `${at}.p1_1`], ['ReLU']]);
  const b2 = g.chain(x, [
    ['Conv2d', conv(cin, c2[0], 1), `${at}.p2_1`],
    ['ReLU'],
    ['Conv2d', conv(c2[0], c2[1], 3, 1, 1), `${at}.p2_2`],
    ['ReLU'],
  ]);
  const b3 = g.chain(x, [
    ['Conv2d', conv(cin, c3[0], 1), `${at}.p3_1`],
    ['ReLU'],
    ['Conv2d', conv(c3[0], c3[1], 5, 1, 2), `${at}.p3_2`],
    ['ReLU'],
  ]);
  const b4 = g.chain(x, [
    ['MaxPool2d', pool(3, 1, 1), `${at}.p4_1`],
    ['Conv2d', conv(cin, c4, 1), `${at}.p4_2`],
    ['ReLU'],
  ]);
  return g.apply('Concat', { x0: b1, x1: b2, x2: b3, x3: b4 }, { dim: 1 }, `${at} cat`);
}

export function googlenet(c: Catalog): GraphDocument {
  return classifier(
    c,
    ['N', 1, 96, 96],
    (g, x) => {
      let at = g.chain(x, [
        ['Conv2d', conv(1, 64, 7, 2, 3), '0.0'],
        ['ReLU', {}, '0.1'],
        ['MaxPool2d', pool(3, 2, 1), '0.2'],
        ['Conv2d', conv(64, 64, 1), '1.0'],
        ['ReLU', {}, '1.1'],
        ['Conv2d', conv(64, 192, 3, 1, 1), '1.2'],
        ['ReLU', {}, '1.3'],
        ['MaxPool2d', pool(3, 2, 1), '1.4'],
      ]);
      at = inception(g, at, '2.0', 192, 64, [96, 128], [16, 32], 32);
      at = inception(g, at, '2.1', 256, 128, [128, 192], [32, 96], 64);
      at = g.apply('MaxPool2d', at, pool(3, 2, 1), '2.2');
      at = inception(g, at, '3.0', 480, 192, [96, 208], [16, 48], 64);
      at = inception(g, at, '3.1', 512, 160, [112, 224], [24, 64], 64);
      at = inception(g, at, '3.2', 512, 128, [128, 256], [24, 64], 64);
      at = inception(g, at, '3.3', 512, 112, [144, 288], [32, 64], 64);
      at = inception(g, at, '3.4', 528, 256, [160, 320], [32, 128], 128);
      at = g.apply('MaxPool2d', at, pool(3, 2, 1), '3.5');
      at = inception(g, at, '4.0', 832, 256, [160, 320], [32, 128], 128);
      at = inception(g, at, '4.1', 832, 384, [192, 384], [48, 128], 128);
      return g.chain(at, [
        ['AdaptiveAvgPool2d', { output_size: [1, 1] }, '4.2'],
        ['Flatten', {}, '4.3'],
        ['Linear', linear(1024, 10), '5'],
      ]);
    },
    {
      title: 'GoogLeNet',
      description:
        'GoogLeNet as in D2L on 96×96 images: a stem, then nine Inception blocks whose four branches (1×1, 3×3, 5×5, pooling) are concatenated on channels.',
      teaches:
        'Multi-branch blocks: every branch keeps height and width, so their channels can be concatenated; 1×1 convolutions keep the 3×3 and 5×5 branches cheap.',
      tags: ['model', 'cnn', 'd2l', 'classic', 'inception', 'multi-branch'],
    },
  );
}

/** D2L's Residual block: conv-bn-relu-conv-bn, plus the input (through a 1×1 conv when the shape changes). */
function residual(g: GraphBuilder, x: Source, at: string, cin: number, cout: number, stride: number): Source {
  const bn = (ch: number): Params => ({ num_features: ch });
  const y = g.chain(x, [
    ['Conv2d', conv(cin, cout, 3, stride, 1), `${at}.conv1`],
    ['BatchNorm2d', bn(cout), `${at}.bn1`],
    ['ReLU'],
    ['Conv2d', conv(cout, cout, 3, 1, 1), `${at}.conv2`],
    ['BatchNorm2d', bn(cout), `${at}.bn2`],
  ]);
  const shortcut =
    cin !== cout || stride !== 1 ? g.apply('Conv2d', x, conv(cin, cout, 1, stride), `${at}.conv3`) : x;
  const sum = g.apply('Add', { a: y, b: shortcut }, {}, `${at} +`);
  return g.apply('ReLU', sum);
}

export function resnet18(c: Catalog): GraphDocument {
  return classifier(
    c,
    ['N', 1, 96, 96],
    (g, x) => {
      let at = g.chain(x, [
        ['Conv2d', conv(1, 64, 7, 2, 3), '0.0'],
        ['BatchNorm2d', { num_features: 64 }, '0.1'],
        ['ReLU', {}, '0.2'],
        ['MaxPool2d', pool(3, 2, 1), '0.3'],
      ]);
      let cin = 64;
      [64, 128, 256, 512].forEach((cout, i) => {
        at = residual(g, at, `${i + 1}.0`, cin, cout, i === 0 ? 1 : 2);
        at = residual(g, at, `${i + 1}.1`, cout, cout, 1);
        cin = cout;
      });
      return g.chain(at, [
        ['AdaptiveAvgPool2d', { output_size: [1, 1] }, '5'],
        ['Flatten', {}, '6'],
        ['Linear', linear(512, 10), '7'],
      ]);
    },
    {
      title: 'ResNet-18',
      description:
        'ResNet-18 as in D2L on 96×96 images: a stem, four stages of two residual blocks (64 to 512 channels), global average pooling and one Linear layer.',
      teaches:
        'Residual connections: each block adds its input back, so the shapes on both sides of the add must agree; a 1×1 convolution with stride 2 fixes them when a stage halves the size.',
      tags: ['model', 'cnn', 'd2l', 'classic', 'residual', 'batchnorm'],
    },
  );
}

export function densenet(c: Catalog): GraphDocument {
  return classifier(
    c,
    ['N', 1, 96, 96],
    (g, x) => {
      let at = g.chain(x, [
        ['Conv2d', conv(1, 64, 7, 2, 3), '0.0'],
        ['BatchNorm2d', { num_features: 64 }, '0.1'],
        ['ReLU', {}, '0.2'],
        ['MaxPool2d', pool(3, 2, 1), '0.3'],
      ]);
      let channels = 64;
      const growth = 32;
      const arch = [4, 4, 4, 4];
      arch.forEach((convs, i) => {
        for (let k = 0; k < convs; k++) {
          const name = `dense_blk${i + 1}.net.${k}`;
          const y = g.chain(at, [
            ['BatchNorm2d', { num_features: channels }, `${name}.0`],
            ['ReLU', {}, `${name}.1`],
            ['Conv2d', conv(channels, growth, 3, 1, 1), `${name}.2`],
          ]);
          at = g.apply('Concat', { x0: at, x1: y }, { dim: 1 }, `${name} cat`);
          channels += growth;
        }
        if (i !== arch.length - 1) {
          const half = Math.floor(channels / 2);
          at = g.chain(at, [
            ['BatchNorm2d', { num_features: channels }, `tran_blk${i + 1}.0`],
            ['ReLU', {}, `tran_blk${i + 1}.1`],
            ['Conv2d', conv(channels, half, 1), `tran_blk${i + 1}.2`],
            ['AvgPool2d', pool(2, 2), `tran_blk${i + 1}.3`],
          ]);
          channels = half;
        }
      });
      return g.chain(at, [
        ['BatchNorm2d', { num_features: channels }, 'last.0'],
        ['ReLU', {}, 'last.1'],
        ['AdaptiveAvgPool2d', { output_size: [1, 1] }, 'last.2'],
        ['Flatten', {}, 'last.3'],
        ['Linear', linear(channels, 10), 'last.4'],
      ]);
    },
    {
      title: 'DenseNet',
      description:
        'DenseNet as in D2L on 96×96 images: four dense blocks of four BN-ReLU-conv units (growth rate 32), each unit’s output concatenated to its input; transition blocks halve channels and size.',
      teaches:
        'Dense connectivity: channels grow by the growth rate with every unit (64 → 192), and 1×1 transition convolutions keep the count in check.',
      tags: ['model', 'cnn', 'd2l', 'classic', 'dense', 'concatenation', 'batchnorm'],
    },
  );
}

/** nn.TransformerEncoderLayer as PyTorch runs it (ReLU is functional there, so not a module row). */
function encoderLayer(
  g: GraphBuilder,
  x: Source,
  at: string,
  d: number,
  heads: number,
  ffn: number,
  preNorm: boolean,
): Source {
  const name = (s: string) => (at ? `${at}.${s}` : s);
  const attend = (input: Source) => {
    const attn = g.apply(
      'MultiHeadAttention',
      { query: input, key: input, value: input },
      { embed_dim: d, num_heads: heads, bias: true, batch_first: true },
      name('self_attn'),
    );
    return g.apply('Dropout', attn.out('output'), { p: 0.1 }, name('dropout1'));
  };
  const feedForward = (input: Source) =>
    g.chain(input, [
      ['Linear', linear(d, ffn), name('linear1')],
      ['ReLU'],
      ['Dropout', { p: 0.1 }, name('dropout')],
      ['Linear', linear(ffn, d), name('linear2')],
      ['Dropout', { p: 0.1 }, name('dropout2')],
    ]);
  const norm = (input: Source, n: string) =>
    g.apply('LayerNorm', input, { normalized_shape: [d], eps: 1e-5 }, name(n));
  if (preNorm) {
    const h = g.apply('Add', { a: x, b: attend(norm(x, 'norm1')) }, {}, name('+ attention'));
    return g.apply('Add', { a: h, b: feedForward(norm(h, 'norm2')) }, {}, name('+ feed-forward'));
  }
  const h = norm(g.apply('Add', { a: x, b: attend(x) }, {}, name('+ attention')), 'norm1');
  return norm(g.apply('Add', { a: h, b: feedForward(h) }, {}, name('+ feed-forward')), 'norm2');
}

export function transformerEncoder(c: Catalog, preNorm: boolean): GraphDocument {
  const g = new GraphBuilder(c);
  const x = g.node(
    'Input',
    { shape: ['N', 'T', 32], dtype: 'float32' },
    { label: 'tokens (embedded)', stem: 'tokens' },
  );
  encoderLayer(g, x, '', 32, 4, 64, preNorm);
  const which = preNorm ? 'pre-norm' : 'post-norm';
  return g.document({
    title: `Transformer encoder layer (${which})`,
    description: preNorm
      ? 'One Transformer encoder layer with the LayerNorms moved in front of attention and the feed-forward network (norm_first=True): x + attn(LN(x)), then h + FFN(LN(h)).'
      : 'nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True): self-attention and a feed-forward network, each followed by add & LayerNorm.',
    teaches: preNorm
      ? 'Pre-norm keeps an unnormalised residual path from input to output, which is why deep pre-norm stacks train without warm-up; compare with the post-norm template.'
      : 'Every sub-layer keeps the [N, T, d_model] shape so the residual adds line up; the 8,544 parameters split into attention (4,224), feed-forward (4,192) and two LayerNorms (128).',
    tags: ['model', 'transformer', 'attention', which, 'layernorm'],
    symbols: { N: 2, T: 10 },
  });
}

export function vit(c: Catalog): GraphDocument {
  const d = 512;
  return classifier(
    c,
    ['N', 1, 96, 96],
    (g, x) => {
      const patches = g.chain(x, [
        ['Conv2d', { ...conv(1, d, 16, 16), padding: [0, 0] }, 'patch_embedding.conv'],
        ['Flatten', { start_dim: 2, end_dim: -1 }],
        ['Transpose', { dim0: 1, dim1: 2 }],
      ]);
      let at = g.chain(patches, [
        ['ClassToken', { embed_dim: d }, 'cls_token'],
        // D2L: nn.Parameter(torch.randn(1, num_steps, num_hiddens)), so σ = 1
        [
          'PositionalEncoding',
          { kind: 'learned', num_hiddens: d, max_len: 37, init_std: 1 },
          'pos_embedding',
        ],
        ['Dropout', { p: 0.1 }, 'dropout'],
      ]);
      for (let b = 0; b < 2; b++) {
        const ln1 = g.apply('LayerNorm', at, { normalized_shape: [d] }, `blks.${b}.ln1`);
        const attn = g.apply(
          'MultiHeadAttention',
          { query: ln1, key: ln1, value: ln1 },
          { embed_dim: d, num_heads: 8, bias: false, batch_first: true },
          `blks.${b}.attention`,
        );
        at = g.apply('Add', { a: at, b: attn.out('output') }, {}, `blks.${b} + attention`);
        const mlp = g.chain(at, [
          ['LayerNorm', { normalized_shape: [d] }, `blks.${b}.ln2`],
          ['Linear', linear(d, 2048), `blks.${b}.mlp.dense1`],
          ['GELU', {}, `blks.${b}.mlp.gelu`],
          ['Dropout', { p: 0.1 }, `blks.${b}.mlp.dropout1`],
          ['Linear', linear(2048, d), `blks.${b}.mlp.dense2`],
          ['Dropout', { p: 0.1 }, `blks.${b}.mlp.dropout2`],
        ]);
        at = g.apply('Add', { a: at, b: mlp }, {}, `blks.${b} + mlp`);
      }
      return g.chain(at, [
        ['Select', { dim: 1, index: 0 }, 'X[:, 0]'],
        ['LayerNorm', { normalized_shape: [d] }, 'head.0'],
        ['Linear', linear(d, 10), 'head.1'],
      ]);
    },
    {
      title: 'Vision Transformer (ViT)',
      description:
        'ViT as in D2L on 96×96 images: 16×16 patches embedded by a strided convolution, a learned class token and positions, two pre-norm Transformer blocks, a head on the class token.',
      teaches:
        'Images as sequences: a 96×96 image becomes 36 patch tokens plus one class token, [N, 37, 512]; the learned class token and positions are parameters outside any layer.',
      tags: ['model', 'transformer', 'attention', 'vision', 'd2l', 'vit'],
    },
    0.1,
  );
}

export const modelTemplates: Record<string, (c: Catalog) => GraphDocument> = {
  lenet,
  alexnet,
  vgg11,
  nin,
  googlenet,
  resnet18,
  densenet,
  vit_d2l: vit,
  transformer_encoder_post_norm: (c) => transformerEncoder(c, false),
  transformer_encoder_pre_norm: (c) => transformerEncoder(c, true),
};
