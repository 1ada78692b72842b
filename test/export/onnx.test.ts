import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initialValues } from '../../src/engine/compile/params.ts';
import { type Tensor, tensor } from '../../src/engine/index.ts';
import { OnnxGraphWriter } from '../../src/export/onnx/builder.ts';
import {
  buildOnnxModel,
  exportOnnx,
  type OnnxImport,
  OnnxExportError,
  OnnxImportError,
  type OnnxModelExport,
  importOnnx,
  onnxExportableTypes,
} from '../../src/export/onnx/index.ts';
import { encodeModel } from '../../src/export/onnx/proto.ts';
import { exportPyTorch } from '../../src/export/pytorch.ts';
import { encodeSafetensors } from '../../src/export/safetensors.ts';
import { compileGraph } from '../../src/training/compile.ts';
import type { GraphDocument } from '../../src/graph/document.ts';
import { catalog } from '../../src/nodes/index.ts';
import {
  checkModel,
  fixedInput,
  maxAbsDiff,
  modelStructure,
  PYTHON,
  runInOnnxRuntime,
  runInShapeflow,
  sizes,
  template,
  testWeights,
} from './onnx-helpers.ts';
import { doc } from '../training/helpers.ts';

const BATCH = 2;

/**
 * Export with fixed weights; the file passes the ONNX checker; onnxruntime gives Shapeflow's
 * outputs within 1e-4; import gives back the same model (node types, params, edges, shapes)
 * whose forward, with the weights read back, gives the same outputs again.
 */
async function roundTrip(doc: GraphDocument): Promise<OnnxModelExport> {
  const weights = testWeights(doc, 5);
  const exported = buildOnnxModel(doc, catalog, { weights });
  if (exported instanceof OnnxExportError) throw exported;
  checkModel(exported.bytes);

  const symbols = doc.meta.symbols ?? {};
  const shapes = new Map(exported.inputs.map((i) => [i.name, sizes(i.dims, BATCH, symbols)]));
  const feeds = new Map(
    exported.inputs.map((i) => [
      `${i.node}:${i.port}`,
      fixedInput(
        (shapes.get(i.name) as number[]).reduce((n, d) => n * d, 1),
        i.dtype,
      ),
    ]),
  );
  const ours = runInShapeflow(doc, weights, feeds, exported.outputs, BATCH);
  const theirs = await runInOnnxRuntime(exported.bytes, exported.inputs, feeds, exported.outputs, shapes);
  ours.forEach((o, k) => {
    expect(theirs[k].shape).toEqual(o.shape);
    expect(maxAbsDiff(o.data, theirs[k].data)).toBeLessThanOrEqual(1e-4);
  });

  const imported = importOnnx(exported.bytes, catalog);
  if (imported instanceof Error) throw imported;
  expect(imported.weights.size).toBe(weights.size);
  const outputsBack = exported.outputs.map((o) => ({ node: o.node, port: o.port }));
  // node ids come back from the ONNX node names, so the model's outputs keep theirs
  expect(modelStructure(imported.doc, outputsBack)).toEqual(modelStructure(doc, outputsBack));
  const again = runInShapeflow(imported.doc, imported.weights, feeds, outputsBack, BATCH);
  again.forEach((o, k) => {
    expect(o.shape).toEqual(ours[k].shape);
    expect(maxAbsDiff(o.data, ours[k].data)).toBeLessThanOrEqual(1e-6);
  });
  return exported;
}

/** Byte equality of two files (a deep toEqual walks megabytes element by element). */
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

const opTypes = (e: OnnxModelExport) => [...new Set(e.model.graph.node?.map((n) => n.opType))].sort();

describe('export to ONNX and import back', () => {
  beforeAll(() => {
    try {
      execFileSync(PYTHON, ['-c', 'import onnx'], { stdio: 'pipe' });
    } catch {
      throw new Error(`${PYTHON} cannot import onnx; run: sudo bash scripts/install-system-deps.sh`);
    }
  });

  it('writes the MNIST MLP as Flatten, Gemm and Relu that onnxruntime runs to Shapeflow’s outputs', async () => {
    const e = await roundTrip(template('mnist_mlp'));
    expect(opTypes(e)).toEqual(['Flatten', 'Gemm', 'Relu']);
    expect(e.model.opsetImport).toEqual([{ domain: '', version: 17 }]);
    expect(e.model.irVersion).toBe(8);
    expect(e.inputs.map((i) => i.dims)).toEqual([['N', 1, 28, 28]]);
    expect(e.model.graph.initializer?.map((t) => t.name)).toEqual([
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'fc3.weight',
      'fc3.bias',
    ]);
    expect(e.model.graph.node?.map((n) => n.name)).toEqual([
      'node:flatten',
      'node:fc1',
      'node:relu1',
      'node:fc2',
      'node:relu2',
      'node:fc3',
    ]);
  });

  it('writes LeNet (Conv, Sigmoid, AveragePool) and reads it back', async () => {
    const e = await roundTrip(template('lenet'));
    expect(opTypes(e)).toEqual(['AveragePool', 'Conv', 'Flatten', 'Gemm', 'Sigmoid']);
  }, 30_000);

  it('writes ResNet-18 with BatchNormalization in eval mode and residual Adds, and reads it back', async () => {
    const e = await roundTrip(template('resnet18'));
    expect(opTypes(e)).toEqual([
      'Add',
      'BatchNormalization',
      'Conv',
      'Flatten',
      'Gemm',
      'GlobalAveragePool',
      'MaxPool',
      'Relu',
    ]);
  }, 120_000);

  it.each(['transformer_encoder_post_norm', 'transformer_encoder_pre_norm'])(
    'writes the %s layer with attention as a function of MatMul and Softmax, and reads it back',
    async (name) => {
      const e = await roundTrip(template(name));
      expect(opTypes(e)).toEqual([
        'Add',
        'Constant',
        'Dropout',
        'LayerNormalization',
        'MatMul',
        'MultiHeadAttention',
        'Relu',
        'Transpose',
      ]);
      const attention = e.model.functions?.find((f) => f.name === 'MultiHeadAttention');
      expect(attention?.node.map((n) => n.opType)).toContain('Softmax');
      expect(e.inputs.map((i) => i.dims)).toEqual([['N', 'T', 32]]);
    },
    60_000,
  );
});

/** Attention (causal, sequence-first), both GELUs, SiLU, norms without affine, and the reshaping nodes. */
const sequenceDoc = (): GraphDocument => {
  const d = doc(
    [
      ['ids', 'Input', { shape: ['N', 'T'], dtype: 'int32' }],
      ['embed', 'Embedding', { num_embeddings: 10, embedding_dim: 8 }],
      ['attn', 'MultiHeadAttention', { embed_dim: 8, num_heads: 2, batch_first: false, mask: 'causal' }],
      ['gelu', 'GELU', {}],
      ['norm', 'LayerNorm', { normalized_shape: [8], elementwise_affine: false }],
      ['fc', 'Linear', { in_features: 8, out_features: 6 }],
      ['gelu_tanh', 'GELU', { approximate: 'tanh' }],
      ['silu', 'SiLU', {}],
      ['swap', 'Transpose', { dim0: -2, dim1: -1 }],
      ['rotate', 'Permute', { dims: [2, 0, 1] }],
      ['rotate_back', 'Permute', { dims: [1, 2, 0] }],
      ['sub', 'Sub', {}],
      ['div', 'Div', {}],
      ['scores', 'MatMul', {}],
      ['soft', 'Softmax', { dim: -1 }],
      ['logsoft', 'LogSoftmax', { dim: 1 }],
      ['unsq', 'Unsqueeze', { dim: 1 }],
      ['flat', 'Reshape', { shape: ['N', -1] }],
      ['leaky', 'LeakyReLU', { negative_slope: 0.2 }],
      ['cat', 'Concat', { dim: 1 }],
      ['elu', 'ELU', { alpha: 0.5 }],
    ],
    [
      'ids.output -> embed.input',
      'embed.output -> attn.query',
      'attn.output -> gelu.input',
      'gelu.output -> norm.input',
      'norm.output -> fc.input',
      'fc.output -> gelu_tanh.input',
      'gelu_tanh.output -> silu.input',
      'fc.output -> rotate.input',
      'rotate.output -> rotate_back.input',
      'silu.output -> sub.a',
      'rotate_back.output -> sub.b',
      'sub.output -> div.a',
      'gelu_tanh.output -> div.b',
      'silu.output -> swap.input',
      'div.output -> scores.a',
      'swap.output -> scores.b',
      'scores.output -> soft.input',
      'soft.output -> logsoft.input',
      'logsoft.output -> unsq.input',
      'unsq.output -> flat.input',
      'flat.output -> leaky.input',
      'leaky.output -> cat.x0',
      'flat.output -> cat.x1',
      'cat.output -> elu.input',
    ],
  );
  d.meta.symbols = { N: 2, T: 5 };
  return d;
};

/** 1-D and 2-D convolutions with norms without affine, pooling with padding, and two outputs. */
const convDoc = (): GraphDocument =>
  doc(
    [
      ['image', 'Input', { shape: ['N', 3, 9, 9] }],
      [
        'conv',
        'Conv2d',
        { in_channels: 3, out_channels: 4, kernel_size: [3, 2], stride: 2, padding: [1, 0] },
      ],
      ['bn', 'BatchNorm2d', { num_features: 4, affine: false, eps: 0.001, momentum: 0.2 }],
      ['pool', 'MaxPool2d', { kernel_size: 2, stride: 1, padding: 1 }],
      ['avg', 'AvgPool2d', { kernel_size: 2, count_include_pad: false, padding: [1, 0], ceil_mode: true }],
      ['flat', 'Flatten', {}],
      ['head', 'Linear', { in_features: 48, out_features: 5, bias: false }],
      ['signal', 'Input', { shape: ['N', 2, 12] }],
      ['conv1d', 'Conv1d', { in_channels: 2, out_channels: 3, kernel_size: 3, dilation: 2, padding: 1 }],
      ['bn1d', 'BatchNorm1d', { num_features: 3 }],
      ['sig', 'Sigmoid', {}],
      ['drop', 'Dropout', { p: 0.3 }],
      ['id', 'Identity', {}],
    ],
    [
      'image.output -> conv.input',
      'conv.output -> bn.input',
      'bn.output -> pool.input',
      'pool.output -> avg.input',
      'avg.output -> flat.input',
      'flat.output -> head.input',
      'signal.output -> conv1d.input',
      'conv1d.output -> bn1d.input',
      'bn1d.output -> sig.input',
      'sig.output -> drop.input',
      'drop.output -> id.input',
    ],
  );

describe('every mapped node type', () => {
  it('writes the ViT (patch embedding, learned positions, GELU, attention) and reads it back', async () => {
    const e = await roundTrip(template('vit_mnist'));
    expect(e.model.functions?.map((f) => f.name).sort()).toEqual([
      'GELU',
      'MultiHeadAttention',
      'PatchEmbedding',
      'PositionalEncoding',
    ]);
  }, 60_000);

  it.each(['rnn_language_model', 'lstm_language_model', 'gru_language_model'])(
    'writes the %s template with its recurrent layer as ONNX RNN/LSTM/GRU ops, and reads it back',
    async (name) => {
      await roundTrip(template(name));
    },
    60_000,
  );

  it('writes stacked, bidirectional and batch-first recurrent layers with initial states', async () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['T', 'N', 4] }],
        ['h0', 'Input', { shape: [4, 'N', 3] }],
        ['c0', 'Input', { shape: [4, 'N', 3] }],
        ['lstm', 'LSTM', { input_size: 4, hidden_size: 3, num_layers: 2, bidirectional: true }],
        ['gru', 'GRU', { input_size: 6, hidden_size: 5, batch_first: true, num_layers: 2 }],
        [
          'rnn',
          'RNN',
          { input_size: 5, hidden_size: 2, nonlinearity: 'relu', bidirectional: true, bias: false },
        ],
      ],
      [
        'x.output -> lstm.input',
        'h0.output -> lstm.h0',
        'c0.output -> lstm.c0',
        'lstm.output -> gru.input',
        'gru.output -> rnn.input',
      ],
    );
    d.meta.symbols = { N: 2, T: 3 };
    const e = await roundTrip(d);
    expect(e.outputs.map((o) => `${o.node}.${o.port}`)).toEqual(['node:rnn.output']);
  });

  it('writes sinusoidal positions for any sequence length up to max_len', async () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 'T', 6] }],
        ['pos', 'PositionalEncoding', { num_hiddens: 6, max_len: 50 }],
      ],
      ['x.output -> pos.input'],
    );
    d.meta.symbols = { N: 2, T: 7 };
    await roundTrip(d);
  });

  it('writes attention with a causal mask, GELU (erf and tanh), SiLU and the reshaping nodes, and reads them back', async () => {
    const e = await roundTrip(sequenceDoc());
    expect(e.model.functions?.map((f) => f.name).sort()).toEqual([
      'GELU',
      'GELU_2',
      'MultiHeadAttention',
      'SiLU',
    ]);
    expect(e.model.opsetImport).toContainEqual({ domain: 'ai.shapeflow', version: 1 });
    const gelu = e.model.functions?.find((f) => f.name === 'GELU');
    expect(gelu?.node.map((n) => n.opType)).toContain('Erf');
  });

  it('writes Conv1d, Conv2d, BatchNorm without affine, padded pools and a two-output graph, and reads them back', async () => {
    const e = await roundTrip(convDoc());
    expect(e.outputs.map((o) => o.node)).toEqual(['node:head', 'node:id']);
  });

  it('writes AdaptiveAvgPool2d to a size that divides the input as an exact AveragePool', async () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 2, 6, 4] }],
        ['pool', 'AdaptiveAvgPool2d', { output_size: [3, 2] }],
      ],
      ['x.output -> pool.input'],
    );
    const weights = new Map();
    const e = buildOnnxModel(d, catalog, { weights });
    if (e instanceof Error) throw e;
    checkModel(e.bytes);
    const feeds = new Map([['node:x:output', fixedInput(2 * 48)]]);
    const shapes = new Map([['node:x', [2, 2, 6, 4]]]);
    const [theirs] = await runInOnnxRuntime(e.bytes, e.inputs, feeds, e.outputs, shapes);
    const [ours] = runInShapeflow(d, weights, feeds, e.outputs, 2);
    expect(theirs.shape).toEqual([2, 2, 3, 2]);
    expect(maxAbsDiff(ours.data, theirs.data)).toBeLessThanOrEqual(1e-6);
  });
});

describe('what cannot be exported or imported', () => {
  it('has an entry (or a block subgraph) for every node type of the catalog a model is made of', () => {
    const machinery = new Set(['sources', 'losses', 'evaluators', 'optimizers', 'schedulers']);
    const unmapped = Object.entries(catalog.groups())
      .filter(([group]) => !machinery.has(group))
      .flatMap(([, defs]) => defs)
      .filter((def) => !onnxExportableTypes.includes(def.type) && !('expand' in def))
      .map((def) => `${def.type}: add an entry to src/export/onnx/table.ts`);
    expect(unmapped).toEqual([]);
  });

  it('names the node types that have no ONNX mapping, with their counts', () => {
    // every type in the catalog is mapped: a file from a newer Shapeflow may still hold others
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 4] }],
        ['mystery', 'NoSuchLayer', {}],
        ['mystery2', 'NoSuchLayer', {}],
        ['other', 'AlsoMissing', {}],
      ],
      ['x.output -> mystery.input', 'mystery.output -> mystery2.input', 'mystery2.output -> other.input'],
    );
    const result = exportOnnx(d, catalog);
    expect(result).toBeInstanceOf(OnnxExportError);
    const error = result as OnnxExportError;
    expect(error.code).toBe('unsupported_types');
    expect(error.message).toBe('cannot export to ONNX: no mapping for NoSuchLayer ×2, AlsoMissing ×1');
    expect([...error.unsupported]).toEqual([
      ['NoSuchLayer', 2],
      ['AlsoMissing', 1],
    ]);
  });

  it('refuses a parameter ONNX cannot express, naming the node and the parameter', () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 1, 4, 4] }],
        ['pool', 'AvgPool2d', { kernel_size: 2, divisor_override: 3 }],
      ],
      ['x.output -> pool.input'],
    );
    const error = exportOnnx(d, catalog) as OnnxExportError;
    expect(error.code).toBe('params');
    expect(error.message).toBe('AvgPool2d (node:pool): divisor_override has no ONNX AveragePool equivalent');
  });

  it('refuses weights that do not fit, and weights it cannot find', () => {
    const d = template('mnist_mlp');
    const weights = testWeights(d, 1);
    weights.set('node:fc2/weight', tensor(new Float32Array(6), [2, 3], 'float32'));
    const wrong = exportOnnx(d, catalog, { weights }) as OnnxExportError;
    expect(wrong.code).toBe('weights');
    expect(wrong.message).toContain("weight 'fc2.weight' should have shape [64, 128]");
    weights.delete('node:fc2/weight');
    const missing = exportOnnx(d, catalog, { weights }) as OnnxExportError;
    expect(missing.message).toBe("the weights given have no tensor 'node:fc2/weight' (or 'fc2.weight')");
  });

  it('lists every ONNX op it has no node for, with counts and reasons, and imports nothing', () => {
    const g = new OnnxGraphWriter();
    g.reserve('x');
    const sin = g.op('Sin', ['x']);
    const erf = g.op('Erf', [g.op('Relu', [sin])]);
    const y = g.op('Erf', [g.op('Add', [erf, g.constantScalar('one', 1)])]);
    const info = (name: string) => ({
      name,
      type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } },
    });
    const bytes = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'foreign', node: g.nodes, input: [info('x')], output: [info(y)] },
    });
    const error = importOnnx(bytes, catalog) as OnnxImportError;
    expect(error).toBeInstanceOf(OnnxImportError);
    expect(error.code).toBe('unsupported_ops');
    expect([...error.unsupported]).toEqual([
      ['Sin', 1],
      ['Erf', 2],
      ['Add', 1],
    ]);
    expect(error.message).toContain('Add ×1 (Add of a constant has no Add node');
  });

  it('says when the bytes are not an ONNX model', () => {
    const error = importOnnx(
      new TextEncoder().encode('{"format": "shapeflow.graph"}'),
      catalog,
    ) as OnnxImportError;
    expect(error).toBeInstanceOf(OnnxImportError);
    expect(error.code).toBe('not_onnx');
  });
});

describe('weights', () => {
  it('takes a safetensors file named by initializer or by parameter key, and writes the same model', () => {
    const d = template('lenet');
    const weights = testWeights(d, 2);
    const fromMap = buildOnnxModel(d, catalog, { weights }) as OnnxModelExport;
    const byInitializer = [...fromMap.initializers].map(([name, key]) => {
      const t = weights.get(key) as Tensor;
      return { name, shape: t.shape, data: Float32Array.from(t.dataSync() as ArrayLike<number>) };
    });
    const byKey = byInitializer.map((t) => ({ ...t, name: fromMap.initializers.get(t.name) as string }));
    const viaInitializerNames = exportOnnx(d, catalog, { weights: encodeSafetensors(byInitializer) });
    const viaKeys = exportOnnx(d, catalog, { weights: encodeSafetensors(byKey) });
    expect(sameBytes(viaInitializerNames as Uint8Array, fromMap.bytes)).toBe(true);
    expect(sameBytes(viaKeys as Uint8Array, fromMap.bytes)).toBe(true);
  });

  it('reads the weights file the PyTorch export writes (state_dict names such as _1_0_conv1.weight)', () => {
    const d = template('resnet18');
    const pytorch = exportPyTorch(d, catalog, { seed: 6 });
    const fromFile = buildOnnxModel(d, catalog, { weights: pytorch.weights });
    const fromSeed = buildOnnxModel(d, catalog, { seed: 6 });
    if (fromFile instanceof Error) throw fromFile;
    if (fromSeed instanceof Error) throw fromSeed;
    expect(fromFile.initializers.has('1.0.conv1.weight')).toBe(true);
    expect(sameBytes(fromFile.bytes, fromSeed.bytes)).toBe(true);
  });

  it('draws the seed’s initial weights when none are given, as training starts', () => {
    const d = template('mnist_mlp');
    const exported = buildOnnxModel(d, catalog, { seed: 4 }) as OnnxModelExport;
    const imported = importOnnx(exported.bytes, catalog) as OnnxImport;
    const compiled = compileGraph(d, { catalog, symbols: { N: 1 } });
    if (!compiled.ok) throw compiled.errors[0];
    for (const p of compiled.plan.params)
      expect(imported.weights.get(p.key)?.dataSync()).toEqual(initialValues(p, 4));
  });
});

/** Runs a torch.onnx.export script (PyTorch 1.13, opset 17) and returns the file and torch's outputs. */
function exportFromPyTorch(
  model: string,
  inputShape: number[],
): { bytes: Uint8Array; input: Float32Array; output: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'shapeflow-torch-onnx-'));
  const script = `
import json, math, sys, torch
from torch import nn
torch.manual_seed(0)
model = ${model}.eval()
shape = ${JSON.stringify(inputShape)}
x = torch.tensor([math.sin(0.37 * i + 0.1) for i in range(math.prod(shape))], dtype=torch.float32).reshape(shape)
torch.onnx.export(model, x, sys.argv[1] + '/model.onnx', opset_version=17, input_names=['x'], output_names=['y'],
                  dynamic_axes={'x': {0: 'N'}, 'y': {0: 'N'}})
with torch.no_grad():
    print(json.dumps(model(x).flatten().tolist()))
`;
  const out = execFileSync(PYTHON, ['-c', script, dir], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const size = inputShape.reduce((n, d) => n * d, 1);
  return { bytes: readFileSync(join(dir, 'model.onnx')), input: fixedInput(size), output: JSON.parse(out) };
}

describe('importing files PyTorch exported', () => {
  it.each([
    [
      'a CNN (Conv with BatchNorm folded in, MaxPool, Flatten, Gemm)',
      'nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 10))',
      [2, 1, 8, 8],
      ['Input', 'Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear'],
    ],
    [
      'a token MLP (MatMul + Add with a pre-transposed weight, GELU as Erf ops, LayerNormalization, Softmax)',
      'nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 4), nn.Softmax(-1))',
      [2, 5, 8],
      ['Input', 'Linear', 'GELU', 'LayerNorm', 'Linear', 'Softmax'],
    ],
  ])(
    'reads %s and gives PyTorch’s outputs',
    (_what, model, shape, types) => {
      const torch = exportFromPyTorch(model, shape);
      const imported = importOnnx(torch.bytes, catalog);
      if (imported instanceof Error) throw imported;
      expect(imported.doc.nodes.map((n) => n.type)).toEqual(types);
      expect(imported.doc.nodes[0].params.shape).toEqual(['N', ...shape.slice(1)]);
      const last = imported.doc.nodes[imported.doc.nodes.length - 1];
      const feeds = new Map([[`${imported.doc.nodes[0].id}:output`, torch.input]]);
      const [ours] = runInShapeflow(
        imported.doc,
        imported.weights,
        feeds,
        [{ node: last.id, port: 'output' }],
        shape[0],
      );
      expect(maxAbsDiff(ours.data, Float32Array.from(torch.output))).toBeLessThanOrEqual(1e-4);
    },
    30_000,
  );
});

describe('math, token and normalisation nodes', () => {
  it('writes Tensor leaves, Pow, Exp, Log, Sum, Max and Maximum, and reads them back', async () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 3, 4] }],
        ['w', 'Tensor', { shape: [4], values: '0.5, -1, 2, 0.25' }],
        ['c', 'Tensor', { shape: [1], values: '3', requires_grad: false }],
        ['scaled', 'Mul', {}],
        ['square', 'Pow', { exponent: 2 }],
        ['shift', 'Add', {}],
        ['logs', 'Log', {}],
        ['exps', 'Exp', {}],
        ['big', 'Maximum', {}],
        ['total', 'Sum', { dim: 1, keepdim: true }],
        ['peak', 'Max', { dim: -1 }],
        ['everything', 'Sum', {}],
      ],
      [
        'x.output -> scaled.a',
        'w.output -> scaled.b',
        'scaled.output -> square.input',
        'square.output -> shift.a',
        'c.output -> shift.b',
        'shift.output -> logs.input',
        'x.output -> exps.input',
        'logs.output -> big.a',
        'exps.output -> big.b',
        'big.output -> total.input',
        'total.output -> peak.input',
        'big.output -> everything.input',
      ],
    );
    const e = await roundTrip(d);
    expect(e.outputs.map((o) => o.dims)).toEqual([['N', 1], []]);
  });

  it('writes ConvTranspose2d, GroupNorm, scaled dot-product attention (padding mask), a class token and Select', async () => {
    const d = doc(
      [
        ['image', 'Input', { shape: ['N', 4, 3, 3] }],
        [
          'up',
          'ConvTranspose2d',
          { in_channels: 4, out_channels: 6, kernel_size: 3, stride: 2, padding: 1, output_padding: 1 },
        ],
        ['norm', 'GroupNorm', { num_groups: 3, num_channels: 6 }],
        ['tokens', 'Reshape', { shape: ['N', 6, -1] }],
        ['cls', 'ClassToken', { embed_dim: 36 }],
        ['mask', 'Input', { shape: ['N', 7] }],
        ['attend', 'ScaledDotProductAttention', { mask: 'padding' }],
        ['first', 'Select', { dim: 1, index: 0 }],
        ['causal', 'ScaledDotProductAttention', { mask: 'causal', scale: 0.3 }],
      ],
      [
        'image.output -> up.input',
        'up.output -> norm.input',
        'norm.output -> tokens.input',
        'tokens.output -> cls.input',
        'cls.output -> attend.q',
        'cls.output -> attend.k',
        'cls.output -> attend.v',
        'mask.output -> attend.key_padding_mask',
        'attend.output -> causal.q',
        'cls.output -> causal.k',
        'attend.output -> causal.v',
        'causal.output -> first.input',
      ],
    );
    await roundTrip(d);
  });
});

describe('blocks', () => {
  it('writes the catalog’s blocks (MLPBlock, TransformerEncoderBlock with attention inside) as functions, and reads them back', async () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 'T', 16] }],
        [
          'encoder',
          'TransformerEncoderBlock',
          { d_model: 16, nhead: 2, dim_feedforward: 24, batch_first: true },
        ],
        ['mlp', 'MLPBlock', { in_features: 16, out_features: 12, activation: 'gelu' }],
        ['mlp2', 'MLPBlock', { in_features: 12, out_features: 12, activation: 'tanh' }],
      ],
      ['x.output -> encoder.input', 'encoder.output -> mlp.input', 'mlp.output -> mlp2.input'],
    );
    d.meta.symbols = { N: 2, T: 4 };
    const e = await roundTrip(d);
    expect(e.model.functions?.map((f) => f.name).sort()).toEqual([
      'GELU',
      'MLPBlock',
      'MLPBlock_2',
      'MultiHeadAttention',
      'TransformerEncoderBlock',
    ]);
    expect([...e.initializers.keys()]).toContain('mlp.linear.weight');
  });

  it('writes additive attention with a padding mask, and reads it back', async () => {
    const d = doc(
      [
        ['queries', 'Input', { shape: ['N', 2, 4] }],
        ['keys', 'Input', { shape: ['N', 3, 5] }],
        ['values', 'Input', { shape: ['N', 3, 6] }],
        ['mask', 'Input', { shape: ['N', 3] }],
        ['attend', 'AdditiveAttention', { query_size: 4, key_size: 5, num_hiddens: 8 }],
      ],
      [
        'queries.output -> attend.queries',
        'keys.output -> attend.keys',
        'values.output -> attend.values',
        'mask.output -> attend.key_padding_mask',
      ],
    );
    await roundTrip(d);
  });

  it('writes a document Composite node with its subgraph, and reads it back', async () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 6] }],
        ['head', 'Linear', { in_features: 5, out_features: 3 }],
      ],
      ['group.out -> head.input'],
    );
    const inner = doc(
      [
        ['fc', 'Linear', { in_features: 6, out_features: 5 }],
        ['act', 'ReLU', {}],
      ],
      ['fc.output -> act.input'],
    );
    d.nodes.push({
      id: 'node:group',
      type: 'Composite',
      params: {},
      position: { x: 0, y: 0 },
      label: 'hidden layer',
      subgraph: {
        nodes: inner.nodes,
        edges: inner.edges,
        inputs: [{ name: 'in', node: 'node:fc', port: 'input' }],
        outputs: [{ name: 'out', node: 'node:act', port: 'output' }],
      },
    });
    d.edges.push({
      id: 'edge:in',
      from: { node: 'node:x', port: 'output' },
      to: { node: 'node:group', port: 'in' },
    });
    const e = await roundTrip(d);
    expect([...e.initializers.keys()]).toEqual([
      'hidden_layer.fc.weight',
      'hidden_layer.fc.bias',
      'head.weight',
      'head.bias',
    ]);
    const back = importOnnx(e.bytes, catalog) as OnnxImport;
    expect(back.doc.nodes.find((n) => n.type === 'Composite')?.subgraph).toEqual(d.nodes[2].subgraph);
  });
});
