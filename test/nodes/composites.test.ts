import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run, runAll, type Tensor, tensor } from '../../src/engine/index.ts';
import { type GraphNode, inferShapes, type NodeId } from '../../src/graph/index.ts';
import type { CompositeNodeDef } from '../../src/nodes/composites/composite.ts';
import { catalog } from '../../src/nodes/index.ts';
import { defaultParams } from '../../src/nodes/params.ts';
import type { ShapeIssue, TensorType } from '../../src/nodes/types.ts';
import { concrete, expectClose, lowerNode, randomTensor } from './harness.ts';

interface LayerRow {
  name: string;
  type: string;
  attrs: Record<string, number[] | number | boolean>;
  input_shape: number[];
  output_shape: number[];
  params: number;
}
const file = new URL('../reference/cases/architectures.json', import.meta.url);
const models = (
  JSON.parse(readFileSync(file, 'utf8')) as {
    cases: {
      id: string;
      layers: LayerRow[];
      total_params: number;
      input_shape: number[];
      output_shape: number[];
    }[];
  }
).cases;
const model = (id: string) => models.find((m) => m.id === id)!;

const composite = (type: string) => catalog.get(type) as CompositeNodeDef;
const f32 = (dims: number[]): TensorType => ({ dtype: 'float32', dims });

/** Output shape and parameter count of a composite node type on one input shape (or more). */
function run1(type: string, params: Record<string, unknown>, ...inputs: number[][]) {
  const def = composite(type);
  const q = { ...defaultParams(def.params), ...params } as never;
  const types = inputs.map(f32);
  const out = def.infer(types, q, concrete);
  return {
    out: out.map((r) => ('dims' in r ? r.dims : (r as ShapeIssue).message)),
    params: def.paramCount(types, q),
  };
}

/** Rows of a reference model grouped by block: '2.0.conv1' → '2.0'. */
function blocks(rows: LayerRow[], marker: string): LayerRow[][] {
  const groups = new Map<string, LayerRow[]>();
  for (const row of rows) {
    const at = row.name.lastIndexOf('.');
    if (at < 0) continue;
    const prefix = row.name.slice(0, at);
    if (!rows.some((r) => r.name === `${prefix}.${marker}`)) continue;
    groups.set(prefix, [...(groups.get(prefix) ?? []), row]);
  }
  return [...groups.values()];
}
const sum = (rows: LayerRow[]) => rows.reduce((n, r) => n + r.params, 0);
const byName = (rows: LayerRow[], leaf: string) => rows.find((r) => r.name.endsWith(`.${leaf}`))!;

describe('composite blocks against the reference architectures', () => {
  it('ResNetBasicBlock: every residual block of resnet18_d2l', () => {
    const residuals = blocks(model('resnet18_d2l').layers, 'conv1');
    expect(residuals).toHaveLength(8);
    for (const rows of residuals) {
      const conv1 = byName(rows, 'conv1');
      const params = {
        in_channels: conv1.attrs.in_channels,
        num_channels: conv1.attrs.out_channels,
        use_1x1conv: rows.some((r) => r.name.endsWith('.conv3')),
        strides: (conv1.attrs.stride as number[])[0],
      };
      expect(run1('ResNetBasicBlock', params, conv1.input_shape)).toEqual({
        out: [byName(rows, 'bn2').output_shape],
        params: sum(rows),
      });
    }
  });

  it('InceptionBlock: every Inception block of googlenet_d2l', () => {
    const inceptions = blocks(model('googlenet_d2l').layers, 'p1_1');
    expect(inceptions.length).toBeGreaterThanOrEqual(9);
    for (const rows of inceptions) {
      const out = (leaf: string) => byName(rows, leaf).attrs.out_channels as number;
      const first = byName(rows, 'p1_1');
      const params = {
        in_channels: first.attrs.in_channels,
        c1: out('p1_1'),
        c2: [out('p2_1'), out('p2_2')],
        c3: [out('p3_1'), out('p3_2')],
        c4: out('p4_2'),
      };
      const [n, , h, w] = first.output_shape;
      const channels = params.c1 + params.c2[1] + params.c3[1] + params.c4;
      expect(run1('InceptionBlock', params, first.input_shape)).toEqual({
        out: [[n, channels, h, w]],
        params: sum(rows),
      });
    }
  });

  it("TransformerEncoderBlock: nn.TransformerEncoderLayer's shape, parameter count and parameter names", () => {
    const ref = model('transformer_encoder_block');
    const params = { d_model: 32, nhead: 4, dim_feedforward: 64, batch_first: true };
    expect(run1('TransformerEncoderBlock', params, ref.input_shape)).toEqual({
      out: [ref.output_shape],
      params: ref.total_params,
    });
    const lowered = lowerNode(
      composite('TransformerEncoderBlock'),
      [randomTensor(ref.input_shape, 1)],
      params,
    );
    expect([...lowered.params.keys()].sort()).toEqual(
      [
        'self_attn.in_proj_weight',
        'self_attn.in_proj_bias',
        'self_attn.out_proj.weight',
        'self_attn.out_proj.bias',
        'linear1.weight',
        'linear1.bias',
        'linear2.weight',
        'linear2.bias',
        'norm1.weight',
        'norm1.bias',
        'norm2.weight',
        'norm2.bias',
      ].sort(),
    );
  });
});

describe('composite blocks by their published counts', () => {
  it('TransformerDecoderBlock: two attentions, a feed-forward network and three norms', () => {
    const [E, F] = [32, 64];
    const expected = 2 * (4 * E * E + 4 * E) + (E * F + F) + (F * E + E) + 3 * 2 * E;
    expect(
      run1('TransformerDecoderBlock', { d_model: E, nhead: 4, dim_feedforward: F }, [7, 2, E], [9, 2, E]),
    ).toEqual({ out: [[7, 2, E]], params: expected });
  });

  it("ResNetBottleneckBlock: torchvision resnet50's layer1[0] has 75,008 parameters", () => {
    expect(run1('ResNetBottleneckBlock', { in_channels: 64, width: 64, stride: 1 }, [1, 64, 56, 56])).toEqual(
      { out: [[1, 256, 56, 56]], params: 75008 },
    );
    expect(
      run1('ResNetBottleneckBlock', { in_channels: 256, width: 128, stride: 2 }, [1, 256, 56, 56]).out,
    ).toEqual([[1, 512, 28, 28]]);
  });

  it("DenseBlock: D2L's DenseBlock(2, 3, 10) turns 3 channels into 23", () => {
    expect(run1('DenseBlock', { num_convs: 2, in_channels: 3, num_channels: 10 }, [4, 3, 8, 8])).toEqual({
      out: [[4, 23, 8, 8]],
      params: 6 + 280 + 26 + 1180,
    });
  });

  it('MLPBlock: a Linear’s parameters, symbolic batch kept', () => {
    expect(run1('MLPBlock', { in_features: 784, out_features: 256 }, [64, 784])).toEqual({
      out: [[64, 256]],
      params: 784 * 256 + 256,
    });
  });
});

describe('composite blocks as subgraphs', () => {
  it('expand to a document Composite node that infers the same shape', () => {
    const def = composite('ResNetBasicBlock');
    const params = {
      ...defaultParams(def.params),
      in_channels: 3,
      num_channels: 8,
      use_1x1conv: true,
      strides: 2,
    };
    const block: GraphNode = {
      id: 'node:block' as NodeId,
      type: 'Composite',
      params: {},
      position: { x: 0, y: 0 },
      subgraph: def.expand(params as never),
    };
    const input: GraphNode = {
      id: 'node:x' as NodeId,
      type: 'Input',
      params: { shape: ['N', 3, 32, 32], dtype: 'float32' },
      position: { x: 0, y: 0 },
    };
    const result = inferShapes(
      {
        nodes: [input, block],
        edges: [
          {
            id: 'edge:1',
            from: { node: 'node:x' as NodeId, port: 'output' },
            to: { node: 'node:block' as NodeId, port: 'input' },
          },
        ],
      },
      catalog,
    );
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const asType = def.infer([{ dtype: 'float32', dims: ['N', 3, 32, 32] }], params as never, {
      unify: () => true,
      resolve: (d) => d,
      warn: () => {},
    });
    expect(result.nodes.get('node:block' as NodeId)?.outputs.output).toEqual(asType[0]);
    expect(asType[0]).toEqual({ dtype: 'float32', dims: ['N', 8, 16, 16] });
  });

  it('lower to the same numbers as the layers composed by hand', async () => {
    const x = randomTensor([2, 3, 6, 6], 3);
    const l = lowerNode(composite('ResNetBasicBlock'), [x], {
      in_channels: 3,
      num_channels: 4,
      use_1x1conv: true,
      strides: 2,
    });
    const w = (n: string) => l.params.get(n)!;
    const bn = (t: Tensor, name: string) =>
      runAll(
        'batch_norm',
        [t, w(`${name}.weight`), w(`${name}.bias`), tensor([0, 0, 0, 0], [4]), tensor([1, 1, 1, 1], [4])],
        { training: true },
      )[0];
    const conv = (t: Tensor, name: string, stride: number, padding: number) =>
      run('conv2d', [t, w(`${name}.weight`), w(`${name}.bias`)], {
        stride: [stride, stride],
        padding: [padding, padding],
      });
    const y = bn(conv(run('relu', [bn(conv(x, 'conv1', 2, 1), 'bn1')]), 'conv2', 1, 1), 'bn2');
    const want = run('relu', [run('add', [y, conv(x, 'conv3', 2, 0)])]);
    await expectClose(l.outputs[0], want);
    // the running statistics of both norms, under their module names
    expect([...l.buffers.keys()].sort()).toEqual([
      'bn1.running_mean',
      'bn1.running_var',
      'bn2.running_mean',
      'bn2.running_var',
    ]);
  });

  it('report bad params by name and range, and inner errors by the inner node', () => {
    const heads = run1('TransformerEncoderBlock', { d_model: 32, nhead: 5 }, [10, 2, 32]);
    expect(heads.out).toEqual(['Transformer block: nhead must be a divisor of d_model=32, got 5']);
    const channels = run1('ResNetBasicBlock', { in_channels: 16 }, [1, 3, 8, 8]);
    expect(channels.out[0]).toMatch(
      /^conv1 \(Conv2d\): Given groups=1, weight of size \[64, 16, 3, 3\], expected input\[1, 3, 8, 8\] to have 16 channels, but got 3 channels instead/,
    );
  });

  it('pre-norm and post-norm encoders share their parameters but not their outputs', async () => {
    const x = randomTensor([5, 2, 8], 7);
    const params = { d_model: 8, nhead: 2, dim_feedforward: 16, dropout: 0 };
    const post = lowerNode(composite('TransformerEncoderBlock'), [x], params);
    const pre = lowerNode(
      composite('TransformerEncoderBlock'),
      [x],
      { ...params, norm_first: true },
      post.params,
    );
    expect([...pre.params.keys()].sort()).toEqual([...post.params.keys()].sort());
    const [a, b] = await Promise.all([post.outputs[0].data(), pre.outputs[0].data()]);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});
