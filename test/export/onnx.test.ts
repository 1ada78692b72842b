import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxExportError, type OnnxModelExport, buildOnnxModel, importOnnx } from '../../src/export/onnx/index.ts';
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
      fixedInput((shapes.get(i.name) as number[]).reduce((n, d) => n * d, 1)),
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
    expect(opTypes(e)).toEqual(['Add', 'BatchNormalization', 'Conv', 'Flatten', 'Gemm', 'GlobalAveragePool', 'MaxPool', 'Relu']);
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
