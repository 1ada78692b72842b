import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/training/compile.ts';
import { executePlan } from '../../src/engine/compile/execute.ts';
import { ParamStore } from '../../src/engine/compile/params.ts';
import { outputKey } from '../../src/engine/compile/plan.ts';
import { cpuBackend, tensor } from '../../src/engine/index.ts';
import { ExportError, exportPyTorch, type PyTorchExport } from '../../src/export/pytorch.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/export/safetensors.ts';
import type { GraphDocument, NodeId } from '../../src/graph/document.ts';
import { loadDocument } from '../../src/graph/schema.ts';
import { catalog } from '../../src/nodes/index.ts';
import { doc } from '../training/helpers.ts';

/** Debian's python3 (python3-torch); the `python3` on PATH may be a pyenv without torch. */
const PYTHON = '/usr/bin/python3';
const root = new URL('../../', import.meta.url).pathname;

function template(name: string): GraphDocument {
  const loaded = loadDocument(readFileSync(join(root, 'templates', name), 'utf8'), catalog);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
  return loaded.doc;
}

/** A fixed, non-trivial input: a smooth pattern of values in [−1, 1]. */
const fixedInput = (count: number) => Array.from({ length: count }, (_, i) => Math.sin(0.37 * i + 0.1));

/** Loads model.py with its weights in PyTorch and runs forward on JSON inputs from stdin. */
const RUNNER = `
import importlib.util, json, sys
import torch
spec = importlib.util.spec_from_file_location('model', sys.argv[1] + '/model.py')
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
model = module.build_model(sys.argv[1] + '/weights.safetensors').eval()
args = [torch.tensor(a['data'], dtype=torch.float32).reshape(a['shape']) for a in json.load(sys.stdin)]
with torch.no_grad():
    out = model(*args)
outs = out if isinstance(out, tuple) else (out,)
print(json.dumps([{'shape': list(o.shape), 'data': o.flatten().tolist()} for o in outs]))
`;

interface Output {
  shape: number[];
  data: number[];
}

function writeExport(result: PyTorchExport): string {
  const dir = mkdtempSync(join(tmpdir(), 'shapeflow-export-'));
  writeFileSync(join(dir, 'model.py'), result.modelPy);
  writeFileSync(join(dir, 'weights.safetensors'), result.weights);
  return dir;
}

function runInPyTorch(dir: string, inputs: Output[]): Output[] {
  const runner = join(dir, 'run_model.py');
  writeFileSync(runner, RUNNER);
  return JSON.parse(execFileSync(PYTHON, [runner, dir], { input: JSON.stringify(inputs), encoding: 'utf8' }));
}

/** Shapeflow's own forward: the compiled plan on the CPU backend, weights drawn from the seed. */
function runInShapeflow(d: GraphDocument, result: PyTorchExport, batch: number, seed: number): Output[] {
  const compiled = compileGraph(d, { catalog, symbols: { N: batch } });
  if (!compiled.ok) throw compiled.errors[0];
  const { plan } = compiled;
  const store = new ParamStore();
  store.sync(plan, seed);
  const params = new Map([...store.params].map(([k, p]) => [k, tensor(p.data, p.shape, 'float32')]));
  const feeds = new Map(
    plan.sources.map((s) => {
      const input = result.inputs.find((i) => i.node === s.node && i.port === s.port);
      const size = s.shape.reduce((n, d) => n * d, 1);
      // inputs forward does not take (the labels) get zeros: they only feed the loss
      const data = input ? fixedInput(size) : new Array(size).fill(0);
      return [s.key, tensor(data, s.shape, s.dtype)];
    }),
  );
  const values = executePlan(plan, { backend: cpuBackend, params, feeds, mode: 'eval' });
  return result.outputs.map((o) => {
    const v = values[plan.outputs.get(outputKey(o.node, o.port)) as number];
    return { shape: [...v.shape], data: Array.from(v.dataSync()) };
  });
}

function expectSameForward(d: GraphDocument, seed: number): PyTorchExport {
  const batch = 2;
  const result = exportPyTorch(d, catalog, { seed });
  const dir = writeExport(result);
  const sizes: Record<string, number> = { ...d.meta?.symbols, N: batch };
  const inputs = result.inputs.map((i) => {
    const shape = i.dims.map((dim) => (typeof dim === 'number' ? dim : sizes[dim]));
    return { shape, data: fixedInput(shape.reduce((n, x) => n * x, 1)) };
  });
  const theirs = runInPyTorch(dir, inputs);
  const ours = runInShapeflow(d, result, batch, seed);
  expect(theirs.map((o) => o.shape)).toEqual(ours.map((o) => o.shape));
  ours.forEach((o, k) => {
    const diff = Math.max(...o.data.map((v, i) => Math.abs(v - theirs[k].data[i])));
    expect(diff).toBeLessThanOrEqual(1e-4);
  });
  return result;
}

// each case runs Python (a torch import) and some the CLI: minutes on a busy machine
describe('export to PyTorch', { timeout: 180_000 }, () => {
  beforeAll(() => {
    try {
      execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'pipe' });
    } catch {
      throw new Error(`${PYTHON} cannot import torch; run: sudo bash scripts/install-system-deps.sh`);
    }
    // importing torch takes a while on a busy machine
  }, 60_000);

  it('gives the MNIST MLP’s outputs in PyTorch, from the weights Shapeflow starts training with', () => {
    const result = expectSameForward(template('mnist_mlp.json'), 7);
    expect(result.modelPy).toContain('self.fc1 = nn.Linear(784, 128)');
    expect(result.stateDict.map((t) => t.name)).toEqual([
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'fc3.weight',
      'fc3.bias',
    ]);
    expect(result.inputs.map((i) => i.arg)).toEqual(['images']);
  });

  it('gives LeNet’s outputs in PyTorch (Conv2d, Sigmoid, AvgPool2d, Flatten, Linear)', () => {
    const result = expectSameForward(template('lenet.json'), 3);
    expect(result.modelPy).toContain('nn.Conv2d(1, 6, 5, padding=2)');
    expect(result.modelPy).toContain('nn.AvgPool2d(2, stride=2)');
  });

  it('gives ResNet-18’s outputs in PyTorch (BatchNorm2d in eval mode, residual adds, 1×1 shortcuts, AdaptiveAvgPool2d)', () => {
    const result = expectSameForward(template('resnet18.json'), 4);
    expect(result.modelPy).toContain('self._2_0_conv3 = nn.Conv2d(64, 128, 1, stride=2)');
    expect(result.modelPy).toMatch(/ = x \+ \w+|= \w+ \+ x/);
    expect(result.stateDict.map((t) => t.name)).toContain('_1_0_bn1.running_var');
  });

  it('gives the Transformer encoder layer’s outputs in PyTorch (MultiheadAttention, LayerNorm, Dropout off in eval)', () => {
    const result = expectSameForward(template('transformer_encoder_post_norm.json'), 9);
    expect(result.modelPy).toContain('self.self_attn = nn.MultiheadAttention(32, 4, batch_first=True)');
    expect(result.modelPy).toContain(
      'self.self_attn(tokens_embedded, tokens_embedded, tokens_embedded, need_weights=False)',
    );
    expect(result.modelPy).toContain('self.norm1 = nn.LayerNorm((32,))');
  });

  it('gives causal self-attention’s outputs and its averaged attention weights in PyTorch', () => {
    const d = doc(
      [
        ['seq', 'Input', { shape: ['N', 5, 8], dtype: 'float32' }],
        ['attn', 'MultiHeadAttention', { embed_dim: 8, num_heads: 2, batch_first: true, mask: 'causal' }],
        ['norm', 'LayerNorm', { normalized_shape: [8] }],
        ['gelu', 'GELU', { approximate: 'tanh' }],
      ],
      ['seq.output -> attn.query', 'attn.output -> norm.input', 'norm.output -> gelu.input'],
    );
    const withWeights = {
      ...d,
      nodes: [
        ...d.nodes,
        { id: 'node:soft' as NodeId, type: 'Softmax', params: { dim: -1 }, position: { x: 0, y: 0 } },
      ],
      edges: [
        ...d.edges,
        {
          id: 'edge:w' as const,
          from: { node: 'node:attn' as NodeId, port: 'attn_weights' },
          to: { node: 'node:soft' as NodeId, port: 'input' },
        },
      ],
    };
    const result = expectSameForward(withWeights, 2);
    expect(result.modelPy).toContain('attn_mask=causal_mask(seq, seq, 1)');
    expect(result.modelPy).toMatch(/attn, attn_attn_weights = self\.attn\(seq, seq, seq, attn_mask/);
    expect(result.outputs.map((o) => o.node)).toEqual(['node:gelu', 'node:soft']);
  });

  it('gives a Conv2d → Tanh → MaxPool2d model with Dropout and two heads (two outputs) the same outputs in eval mode', () => {
    const d = doc(
      [
        ['pixels', 'Input', { shape: ['N', 2, 8, 8], dtype: 'float32' }],
        ['y', 'Input', { shape: ['N'], dtype: 'int32' }],
        ['conv', 'Conv2d', { in_channels: 2, out_channels: 3, kernel_size: 3, padding: 1, bias: false }],
        ['tanh', 'Tanh'],
        ['pool', 'MaxPool2d', { kernel_size: 2 }],
        ['flat', 'Flatten'],
        ['drop', 'Dropout', { p: 0.25 }],
        ['head_a', 'Linear', { in_features: 48, out_features: 4 }],
        ['head_b', 'Linear', { in_features: 48, out_features: 5 }],
        ['loss_a', 'CrossEntropyLoss'],
        ['loss_b', 'CrossEntropyLoss'],
      ],
      [
        'pixels.output -> conv.input',
        'conv.output -> tanh.input',
        'tanh.output -> pool.input',
        'pool.output -> flat.input',
        'flat.output -> drop.input',
        'drop.output -> head_a.input',
        'drop.output -> head_b.input',
        'head_a.output -> loss_a.input',
        'y.output -> loss_a.target',
        'head_b.output -> loss_b.input',
        'y.output -> loss_b.target',
      ],
    );
    const result = expectSameForward(d, 11);
    expect(result.outputs.map((o) => o.node)).toEqual(['node:head_a', 'node:head_b']);
    expect(result.modelPy).toContain('nn.Conv2d(2, 3, 3, padding=1, bias=False)');
    expect(result.modelPy).toContain('nn.Dropout(p=0.25)');
    expect(result.modelPy).toContain('return head_a, head_b');
  });

  it('writes the weights as safetensors that read back to the seed’s initial values', () => {
    const d = template('mnist_mlp.json');
    const result = exportPyTorch(d, catalog, { seed: 5 });
    const bytes = result.weights;
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header['fc1.weight']).toEqual({
      dtype: 'F32',
      shape: [128, 784],
      data_offsets: [0, 128 * 784 * 4],
    });
    const compiled = compileGraph(d, { catalog, symbols: { N: 1 } });
    if (!compiled.ok) throw compiled.errors[0];
    const store = new ParamStore();
    store.sync(compiled.plan, 5);
    const read = decodeSafetensors(bytes);
    expect(read.tensors.find((t) => t.name === 'fc2.bias')?.data).toEqual(store.get('node:fc2/bias').data);
    expect(exportPyTorch(d, catalog, { seed: 6 }).stateDict[0].data).not.toEqual(read.tensors[0].data);
  });

  it('names the node types it cannot export, with their counts', () => {
    const d = doc(
      [
        ['x', 'Input', { shape: ['N', 5, 8], dtype: 'float32' }],
        ['y', 'Input', { shape: ['N', 5, 8], dtype: 'float32' }],
        ['pe1', 'PositionalEncoding', { num_hiddens: 8 }],
        ['fc', 'Linear', { in_features: 8, out_features: 8 }],
        ['pe2', 'PositionalEncoding', { num_hiddens: 8 }],
        ['sdpa', 'ScaledDotProductAttention'],
        ['loss', 'MSELoss'],
      ],
      [
        'x.output -> pe1.input',
        'pe1.output -> fc.input',
        'fc.output -> pe2.input',
        'pe2.output -> sdpa.q',
        'pe2.output -> sdpa.k',
        'pe2.output -> sdpa.v',
        'sdpa.output -> loss.input',
        'y.output -> loss.target',
      ],
    );
    expect(() => exportPyTorch(d, catalog)).toThrow(ExportError);
    expect(() => exportPyTorch(d, catalog)).toThrow(
      /unsupported node types PositionalEncoding ×2, ScaledDotProductAttention ×1/,
    );
  });

  it('is what `shapeflow export --to pytorch` writes: model.py and weights, and train.py with its data when the graph trains', () => {
    const out = mkdtempSync(join(tmpdir(), 'shapeflow-export-cli-'));
    const bin = join(root, 'bin/shapeflow.js');
    const doc = join(root, 'templates/mnist_mlp.json');
    const run = (...args: string[]) =>
      execFileSync(process.execPath, [bin, 'export', doc, '--to', 'pytorch', ...args], { encoding: 'utf8' });
    const modelOnly = run('--out', join(out, 'model_only'), '--seed', '7');
    expect(modelOnly).toMatch(/6 tensors, 109,386 parameters/);
    expect(modelOnly).toMatch(/no train.py: .*no dataset node/);
    const expected = exportPyTorch(template('mnist_mlp.json'), catalog, { seed: 7 });
    expect(readFileSync(join(out, 'model_only/model.py'), 'utf8')).toBe(expected.modelPy);
    expect(new Uint8Array(readFileSync(join(out, 'model_only/weights.safetensors')))).toEqual(
      expected.weights,
    );
    expect(existsSync(join(out, 'model_only/train.py'))).toBe(false);

    const trained = run(
      ...['--out', join(out, 'trained'), '--seed', '7', '--data', 'MNIST', '--batch-size', '16'],
      ...['--optimizer', 'Adam', '--lr', '0.002', '--epochs', '2'],
    );
    expect(trained).toMatch(/train.py: 2 epochs of batch 16, seed 7/);
    const trainPy = readFileSync(join(out, 'trained/train.py'), 'utf8');
    expect(trainPy).toContain('BATCH_SIZE = 16');
    expect(trainPy).toContain('torch.optim.Adam(model.parameters(), lr=0.002)');
    // the same initial weights: the dataset node swapped in for the Inputs changes no parameter
    expect(new Uint8Array(readFileSync(join(out, 'trained/weights.safetensors')))).toEqual(expected.weights);
    const shapes = execFileSync(
      PYTHON,
      [
        '-c',
        'import numpy as np, sys; d = np.load(sys.argv[1]); print({k: d[k].shape for k in sorted(d.files)})',
        join(out, 'trained/data.npz'),
      ],
      { encoding: 'utf8' },
    );
    expect(shapes.trim()).toBe(
      "{'order': (2, 8000), 'train_inputs': (8000, 1, 28, 28), 'train_targets': (8000,), 'val_inputs': (2000, 1, 28, 28), 'val_targets': (2000,)}",
    );
  });

  it('refuses an unknown --to and weights that do not fit the model, by name', () => {
    const bin = join(root, 'bin/shapeflow.js');
    const doc = join(root, 'templates/mnist_mlp.json');
    const failure = (...args: string[]) => {
      try {
        execFileSync(process.execPath, [bin, 'export', doc, ...args], { encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (e) {
        return String((e as { stderr: string }).stderr);
      }
    };
    expect(failure('--to', 'tflite')).toMatch(/--to tflite: expected 'pytorch' or 'onnx'/);
    const dir = mkdtempSync(join(tmpdir(), 'shapeflow-weights-'));
    const wrong = join(dir, 'wrong.safetensors');
    writeFileSync(
      wrong,
      encodeSafetensors([{ name: 'fc1.weight', shape: [2, 2], data: new Float32Array(4) }]),
    );
    expect(failure('--to', 'pytorch', '--out', dir, '--weights', wrong)).toMatch(
      /--weights: the file has no tensor for fc1\.bias, fc2\.weight/,
    );
  });
});
