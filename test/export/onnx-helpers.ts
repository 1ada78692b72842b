/** Running a document in Shapeflow and its ONNX export in onnxruntime, for the ONNX tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { executePlan } from '../../src/engine/compile/execute.ts';
import { initialValues } from '../../src/engine/compile/params.ts';
import { outputKey } from '../../src/engine/compile/plan.ts';
import { cpuBackend, type Tensor, tensor } from '../../src/engine/index.ts';
import type { OnnxPort } from '../../src/export/onnx/index.ts';
import { DocumentIndex, type GraphDocument, type GraphNode, portsOf } from '../../src/graph/document.ts';
import { inferShapes } from '../../src/graph/infer.ts';
import { loadDocument } from '../../src/graph/schema.ts';
import { catalog, defaultsOf } from '../../src/nodes/index.ts';
import { compileGraph } from '../../src/training/compile.ts';

/** Debian's python3 has python3-onnx; the `python3` on PATH may be a pyenv without it. */
export const PYTHON = '/usr/bin/python3';
const root = new URL('../../', import.meta.url).pathname;

export function template(name: string): GraphDocument {
  const loaded = loadDocument(readFileSync(join(root, 'templates', `${name}.json`), 'utf8'), catalog);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('; '));
  return loaded.doc;
}

/** A fixed, non-trivial input: a smooth pattern of values in [−1, 1], or indices 0..9 for an int input. */
export const fixedInput = (count: number, dtype = 'float32') =>
  Float32Array.from({ length: count }, (_, i) =>
    dtype === 'int32' ? (i * 7) % 10 : Math.sin(0.37 * i + 0.1),
  );

/**
 * Weights for every parameter: the seed's initial values, except that parameters which start
 * constant (biases at zero, norms at one, running statistics) get a pattern, so that a
 * mis-wired bias or running mean shows in the outputs.
 */
export function testWeights(doc: GraphDocument, seed: number): Map<string, Tensor> {
  const compiled = compileGraph(doc, { catalog, symbols: { ...doc.meta.symbols, N: 1 } });
  if (!compiled.ok) throw compiled.errors[0];
  return new Map(
    compiled.plan.params.map((p) => {
      let data = initialValues(p, seed);
      if (p.init.kind === 'zeros') data = data.map((_, i) => 0.1 * Math.sin(1.3 * i + p.key.length));
      if (p.init.kind === 'ones') data = data.map((_, i) => 1 + 0.3 * Math.sin(0.7 * i + p.key.length) ** 2);
      return [p.key, tensor(data, p.shape, 'float32')];
    }),
  );
}

/** Concrete sizes for a port's dims: N is the batch, other symbols the document's sizes. */
export function sizes(
  dims: readonly (number | string)[],
  batch: number,
  symbols: Record<string, number> = {},
) {
  return dims.map((d) => (typeof d === 'number' ? d : d === 'N' ? batch : symbols[d]));
}

export interface Output {
  shape: number[];
  data: Float32Array;
}

/** Shapeflow's forward in eval mode on the CPU backend: the compiled plan with the given weights. */
export function runInShapeflow(
  doc: GraphDocument,
  weights: ReadonlyMap<string, Tensor>,
  feeds: Map<string, Float32Array>,
  outputs: { node: string; port: string }[],
  batch: number,
): Output[] {
  const compiled = compileGraph(doc, { catalog, symbols: { ...doc.meta.symbols, N: batch } });
  if (!compiled.ok) throw compiled.errors[0];
  const { plan } = compiled;
  const params = new Map(plan.params.map((p) => [p.key, weights.get(p.key) as Tensor]));
  const sources = new Map(
    plan.sources.map((s) => {
      const size = s.shape.reduce((n, d) => n * d, 1);
      return [s.key, tensor(feeds.get(`${s.node}:${s.port}`) ?? new Float32Array(size), s.shape, s.dtype)];
    }),
  );
  const values = executePlan(plan, { backend: cpuBackend, params, feeds: sources, mode: 'eval' });
  return outputs.map((o) => {
    const v = values[plan.outputs.get(outputKey(o.node, o.port)) as number];
    return { shape: [...v.shape], data: Float32Array.from(v.dataSync() as ArrayLike<number>) };
  });
}

export async function runInOnnxRuntime(
  bytes: Uint8Array,
  inputs: OnnxPort[],
  feeds: Map<string, Float32Array>,
  outputs: OnnxPort[],
  shapes: Map<string, number[]>,
): Promise<Output[]> {
  const session = await ort.InferenceSession.create(bytes);
  const given: Record<string, ort.Tensor> = {};
  for (const i of inputs) {
    const data = feeds.get(`${i.node}:${i.port}`) as Float32Array;
    given[i.name] =
      i.dtype === 'int32'
        ? new ort.Tensor('int32', Int32Array.from(data), shapes.get(i.name))
        : new ort.Tensor('float32', data, shapes.get(i.name));
  }
  const result = await session.run(given);
  await session.release();
  return outputs.map((o) => ({
    shape: [...result[o.name].dims],
    data: Float32Array.from(result[o.name].data as Float32Array),
  }));
}

/** `onnx.checker.check_model` with full_check (shape inference too): throws with its message on failure. */
export function checkModel(bytes: Uint8Array): void {
  const file = join(mkdtempSync(join(tmpdir(), 'shapeflow-onnx-')), 'model.onnx');
  writeFileSync(file, bytes);
  execFileSync(
    PYTHON,
    ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file],
    { stdio: 'pipe' },
  );
}

export const maxAbsDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** A param value as PyTorch reads it: a square tuple is one int, pooling's stride None is the kernel. */
function normalised(type: string, params: Record<string, unknown>, rank?: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    out[k] =
      Array.isArray(v) &&
      v.length > 0 &&
      v.every((x) => x === v[0]) &&
      k !== 'normalized_shape' &&
      k !== 'shape'
        ? v[0]
        : v;
  }
  if (type.endsWith('Pool2d') && 'stride' in out && out.stride === null) out.stride = out.kernel_size;
  // Transpose(1, 2) and Transpose(-2, -1) of a 3-D tensor are one op: compare the dims counted from 0
  if (type === 'Transpose' && rank) {
    const dims = [out.dim0, out.dim1].map((d) => (((d as number) % rank) + rank) % rank).sort();
    [out.dim0, out.dim1] = dims;
  }
  return out;
}

/** The model part of a document, as a list in topological order: type, params, where each input comes from, output shapes. */
export function modelStructure(given: GraphDocument, outputs: { node: string }[]) {
  const doc = {
    ...given,
    nodes: given.nodes.map((n) => {
      const def = catalog.get(n.type);
      return { ...n, params: { ...(def ? defaultsOf(def) : {}), ...n.params } as GraphNode['params'] };
    }),
  };
  const index = new DocumentIndex(doc);
  const keep = new Set<string>();
  const stack = outputs.map((o) => o.node);
  while (stack.length) {
    const id = stack.pop() as string;
    if (keep.has(id)) continue;
    keep.add(id);
    for (const e of index.incoming.get(id as GraphNode['id']) ?? []) stack.push(e.from.node);
  }
  const inference = inferShapes(doc, catalog);
  const order = inference.order.filter((id) => keep.has(id));
  return order.map((id) => {
    const node = index.nodes.get(id) as GraphNode;
    const info = inference.nodes.get(id);
    const def = catalog.get(node.type);
    const params = { ...(def ? defaultsOf(def) : {}), ...node.params } as Record<string, unknown>;
    const inputs = (portsOf(node, catalog)?.inputs ?? []).flatMap((p) => {
      const e = index.edgeInto(id, p.name);
      return e ? [`${p.name} ← #${order.indexOf(e.from.node)}.${e.from.port}`] : [];
    });
    return {
      type: node.type,
      params: normalised(node.type, params, Object.values(info?.inputs ?? {})[0]?.dims.length),
      inputs,
      shapes: Object.fromEntries(Object.entries(info?.outputs ?? {}).map(([k, t]) => [k, t?.dims])),
    };
  });
}
