/**
 * The reference `training` family, run through the whole stack: each case's layer list
 * becomes a graph document of catalog node types (Input → layers → loss ← Input, plus the
 * optimizer node), which is compiled and trained by the runtime's Trainer, full batch.
 * Checked: the loss before every update, the first step's gradients, the final loss and the
 * final weights.
 */

import { CompileError, compileGraph } from './compile.ts';
import type { Plan } from '../engine/compile/plan.ts';
import { compareShape, compareValues, Verdict } from '../engine/conformance/compare.ts';
import type { CaseResult, FamilyContext, RefCase, RefTensor } from '../engine/conformance/types.ts';
import { Trainer } from '../engine/runtime/train.ts';
import { ArrayFeed } from '../engine/runtime/train-data.ts';
import type { GraphDocument, GraphEdge, GraphNode, NodeId } from '../graph/document.ts';
import { type Catalog, catalog as defaultCatalog } from '../nodes/catalog.ts';
import { isOptimizerNode } from '../nodes/optimizers/optimizers.ts';

interface TrainingCase extends RefCase {
  model: ({ type: string } & Record<string, unknown>)[];
  loss: 'cross_entropy' | 'mse';
  optimizer: { name: string; hyperparams: Record<string, unknown> };
  steps: number;
  inputs: RefTensor;
  targets: RefTensor;
  initial_params: Record<string, RefTensor>;
  grads_step0: Record<string, RefTensor>;
  losses: number[];
  final_loss: number;
  final_params: Record<string, RefTensor>;
}

/** The catalog node type and params for one layer of a case's model list. */
function layerNode(layer: TrainingCase['model'][number]): { type: string; params: Record<string, unknown> } {
  switch (layer.type) {
    case 'linear':
      return {
        type: 'Linear',
        params: { in_features: layer.in_features, out_features: layer.out_features, bias: true },
      };
    case 'conv2d':
      return {
        type: 'Conv2d',
        params: {
          in_channels: layer.in_channels,
          out_channels: layer.out_channels,
          kernel_size: layer.kernel_size,
          stride: layer.stride ?? [1, 1],
          padding: layer.padding ?? [0, 0],
          bias: true,
        },
      };
    case 'relu':
      return { type: 'ReLU', params: {} };
    case 'tanh':
      return { type: 'Tanh', params: {} };
    case 'sigmoid':
      return { type: 'Sigmoid', params: {} };
    case 'flatten':
      return { type: 'Flatten', params: { start_dim: 1, end_dim: -1 } };
    default:
      throw new CompileError(
        'unsupported_layer',
        null,
        `layer type '${layer.type}' has no node type mapping`,
      );
  }
}

const LOSS_NODES = { cross_entropy: 'CrossEntropyLoss', mse: ['MSELoss', 'MSE'] } as const;

/** The graph document a case describes; layer i is node `node:layer<i>`. */
export function trainingCaseDocument(c: TrainingCase, catalog: Catalog): GraphDocument {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const add = (id: string, type: string, params: Record<string, unknown>) => {
    if (!catalog.has(type))
      throw new CompileError('unknown_type', id, `node type '${type}' is not in the catalog yet`);
    nodes.push({
      id: id as NodeId,
      type,
      params: params as GraphNode['params'],
      position: { x: nodes.length * 160, y: 0 },
    });
  };
  const wire = (from: string, fromPort: string, to: string, toPort: string) =>
    edges.push({
      id: `edge:${edges.length}`,
      from: { node: from as NodeId, port: fromPort },
      to: { node: to as NodeId, port: toPort },
    });
  add('node:x', 'Input', { shape: ['N', ...c.inputs.shape.slice(1)], dtype: 'float32' });
  let prev = 'node:x';
  c.model.forEach((layer, i) => {
    const { type, params } = layerNode(layer);
    add(`node:layer${i}`, type, params);
    wire(prev, 'output', `node:layer${i}`, 'input');
    prev = `node:layer${i}`;
  });
  const classes = c.targets.dtype === 'int64';
  add('node:y', 'Input', { shape: ['N', ...c.targets.shape.slice(1)], dtype: classes ? 'int32' : 'float32' });
  const lossTypes = c.loss === 'cross_entropy' ? [LOSS_NODES.cross_entropy] : LOSS_NODES.mse;
  const lossType = lossTypes.find((t) => catalog.has(t)) ?? lossTypes[0];
  add('node:loss', lossType, { reduction: 'mean' });
  wire(prev, 'output', 'node:loss', 'input');
  wire('node:y', 'output', 'node:loss', 'target');
  const optimizer = catalog.get(c.optimizer.name);
  if (optimizer) {
    // the node's own param names (Adam's betas are beta1, beta2 on the node)
    const params = isOptimizerNode(optimizer)
      ? optimizer.optimizer.paramsFrom(c.optimizer.hyperparams)
      : c.optimizer.hyperparams;
    add('node:optimizer', c.optimizer.name, params);
    const lossPort = optimizer.inputs.find((p) => p.kind === 'tensor');
    if (lossPort) wire('node:loss', 'output', 'node:optimizer', lossPort.name);
  }
  return { format: 'shapeflow.graph', version: 2, meta: { title: c.id }, nodes, edges };
}

/** `0.weight` → `node:layer0/weight`. */
const paramKey = (name: string) => {
  const [layer, field] = name.split('.');
  return `node:layer${layer}/${field}`;
};

export async function runTrainingCase(
  raw: RefCase,
  { backend }: FamilyContext,
  catalog: Catalog = defaultCatalog,
): Promise<CaseResult> {
  const c = raw as TrainingCase;
  let doc: GraphDocument;
  try {
    doc = trainingCaseDocument(c, catalog);
  } catch (e) {
    return { id: c.id, ok: false, unsupported: true, message: (e as Error).message };
  }
  const compile = (symbols: Record<string, number>): Plan => {
    // fused as a training session compiles (Linear → activation in one linear_act step)
    const result = compileGraph(doc, { catalog, symbols, fuse: true });
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
    return result.plan;
  };
  const n = c.inputs.shape[0];
  const sample = (t: RefTensor, dtype: 'float32' | 'int32') => ({
    data: t.data,
    sampleShape: t.shape.slice(1),
    dtype,
  });
  const feed = new ArrayFeed({
    'node:x:output': sample(c.inputs, 'float32'),
    'node:y:output': sample(c.targets, c.targets.dtype === 'int64' ? 'int32' : 'float32'),
  });
  const hasOptimizerNode = doc.nodes.some((x) => x.id === 'node:optimizer');
  const trainer = new Trainer(compile, feed, backend, {
    batchSize: n,
    epochs: c.steps,
    seed: 0,
    shuffle: false,
    validate: false,
    optimizer: hasOptimizerNode ? undefined : c.optimizer,
  });
  trainer.params.load(
    Object.fromEntries(Object.entries(c.initial_params).map(([k, t]) => [paramKey(k), t.data])),
  );
  trainer.keepGradients = true;
  const v = new Verdict();
  const losses: number[] = [];
  for (let k = 0; k < c.steps; k++) {
    const outcome = await trainer.trainStep();
    if (!outcome.ok) {
      v.fail(`step ${k}: non-finite ${outcome.report.what} at ${outcome.report.node}`);
      return v.result(c.id);
    }
    losses.push(outcome.metrics.loss);
    if (k === 0) {
      for (const [name, want] of Object.entries(c.grads_step0)) {
        const got = trainer.lastGradients.get(paramKey(name));
        if (!got) v.fail(`grads_step0 ${name}: missing`);
        else v.add(compareValues(`grads_step0 ${name}`, got, want.data));
      }
    }
  }
  v.add(compareValues('losses', losses, c.losses));
  const final = await trainer.evaluate('train');
  await trainer.syncHost();
  v.add(compareValues('final_loss', [final?.loss ?? Number.NaN], [c.final_loss]));
  for (const [name, want] of Object.entries(c.final_params)) {
    const p = trainer.params.params.get(paramKey(name));
    if (!p) {
      v.fail(`final_params ${name}: missing`);
      continue;
    }
    v.add(
      compareShape(`final_params ${name}`, p.shape, want.shape) ??
        compareValues(`final_params ${name}`, p.data, want.data),
    );
  }
  return v.result(c.id);
}
