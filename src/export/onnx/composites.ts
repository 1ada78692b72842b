/**
 * Blocks — the catalog's composite types (MLPBlock, TransformerEncoderBlock, …) and a document's
 * Composite nodes — are model-local functions whose body is their subgraph, each inner node
 * written by its own table entry (a block inside a block is a call inside the body). The call
 * carries the block's params (and a Composite's subgraph) as JSON, so import rebuilds it exactly.
 * Weights are formal inputs named by the parameter's key below the block (`linear.weight` for a
 * catalog block, `node:fc/weight` inside a Composite), so `<block id>/<formal>` is the plan key.
 */
import {
  DocumentIndex,
  feedbackTest,
  type GraphNode,
  type Subgraph,
  topologicalOrder,
} from '../../graph/document.ts';
import type { Catalog } from '../../nodes/catalog.ts';
import { defaultsOf } from '../../nodes/define.ts';
import type { Dim, TensorType } from '../../nodes/types.ts';
import { OnnxGraphWriter, SHAPEFLOW_DOMAIN } from './builder.ts';
import type { ExportContext, OnnxMapping, Params } from './mapping.ts';

/** Shapes inside a block: the inner rule on its input types; symbols agree with anything. */
const lenient = { unify: () => true, resolve: (d: Dim) => d, warn: () => {} };

/**
 * Write a block as a call of a function whose body is `sub`. `paramOf(inner, name)` is the plan
 * parameter name (below the block) an inner node's parameter has.
 */
export function exportBlock(
  ctx: ExportContext,
  catalog: Catalog,
  mappings: Readonly<Record<string, OnnxMapping>>,
  block: { type: string; sub: Subgraph; paramOf: (inner: string, name: string) => string; extra?: Params },
): string[] {
  const body = new OnnxGraphWriter(true);
  const index = new DocumentIndex(block.sub);
  const values = new Map<string, { value: string | null; type: TensorType | null }>();
  const key = (node: string, port: string) => `${node}\u0000${port}`;
  const formals: string[] = [];
  const actuals: string[] = [];
  block.sub.inputs.forEach((exposed, k) => {
    const given = ctx.inputs[k];
    const formal = given ? body.reserve(exposed.name) : null;
    if (given && formal) {
      formals.push(formal);
      actuals.push(given);
    }
    values.set(key(`in:${exposed.node}`, exposed.port), { value: formal, type: ctx.inputTypes[k] });
  });
  const weightFormals: string[] = [];
  for (const id of topologicalOrder(index, feedbackTest(index, catalog)).order) {
    const inner = index.nodes.get(id) as GraphNode;
    const def = catalog.get(inner.type);
    // a block inside a block is not written (its parameters' keys nest differently)
    const mapping = mappings[inner.type];
    if (!def || !mapping) throw ctx.refuse(`its inner node ${inner.type} (${id}) has no ONNX mapping`);
    const tensorIns = def.inputs.filter((p) => p.kind === 'tensor');
    const ins = tensorIns.map((p) => {
      const exposed = block.sub.inputs.find((x) => x.node === id && x.port === p.name);
      if (exposed) return values.get(key(`in:${exposed.node}`, exposed.port)) ?? { value: null, type: null };
      const edge = index.edgeInto(id, p.name);
      return (edge && values.get(key(edge.from.node, edge.from.port))) ?? { value: null, type: null };
    });
    const params = { ...defaultsOf(def), ...inner.params } as Params;
    const inferred = def.infer(
      ins.map((i) => i.type),
      params as never,
      lenient,
    );
    const outTypes = inferred.map((r) => ('dims' in r ? (r as TensorType) : null));
    const innerCtx: ExportContext = {
      ...ctx,
      graph: body,
      id: `${ctx.id}/${id}`,
      label: undefined,
      params,
      inputs: ins.map((i) => i.value),
      inputTypes: ins.map((i) => i.type),
      outputTypes: outTypes as TensorType[],
      paramInitializer: () => null,
      weight: (name) => {
        const formal = block.paramOf(id, name);
        const actual = ctx.paramInitializer(formal);
        if (!actual) return null;
        if (!weightFormals.includes(formal)) {
          weightFormals.push(formal);
          actuals.push(actual);
          body.reserve(formal);
        }
        return formal;
      },
      refuse: (message) => ctx.refuse(`inner ${inner.type} (${id}): ${message}`),
    };
    const produced = mapping.export(innerCtx);
    def.outputs
      .filter((p) => p.kind === 'tensor')
      .forEach((p, k) =>
        values.set(key(id, p.name), { value: produced[k] ?? null, type: outTypes[k] ?? null }),
      );
  }
  const outputs = block.sub.outputs.map((exposed) => {
    const v = values.get(key(exposed.node, exposed.port))?.value;
    if (!v) throw ctx.refuse(`exposed output '${exposed.name}' has no value`);
    // the body's value becomes the formal output: rename its writer's output and every reader
    const writer = body.nodes.find((n) => n.output.includes(v));
    if (!writer) throw ctx.refuse(`exposed output '${exposed.name}' is an input passed through`);
    writer.output[writer.output.indexOf(v)] = exposed.name;
    for (const n of body.nodes) n.input = n.input.map((i) => (i === v ? exposed.name : i));
    return exposed.name;
  });
  const attributes = { ...ctx.params, ...block.extra };
  const name = ctx.functions.define(block.type, {
    input: [...formals, ...weightFormals],
    output: outputs,
    attribute: Object.keys(attributes),
    node: body.nodes,
    docString: `Shapeflow ${block.type}`,
  });
  const attrs = Object.fromEntries(
    Object.entries(attributes).map(([k, v]) => [k, { string: JSON.stringify(v ?? null) }]),
  );
  return ctx.graph.node(name, actuals, attrs, {
    name: ctx.id,
    outputs: outputs.length,
    domain: SHAPEFLOW_DOMAIN,
  });
}

/** The mapping of a catalog block type: its `expand(params)` subgraph as the function body. */
export function catalogBlockMapping(
  type: string,
  catalog: Catalog,
  mappings: Readonly<Record<string, OnnxMapping>>,
): OnnxMapping | null {
  const def = catalog.get(type) as { expand?: (params: Params) => Subgraph } | undefined;
  if (!def?.expand) return null;
  const expand = def.expand;
  return {
    ops: [type],
    export: (ctx) =>
      exportBlock(ctx, catalog, mappings, {
        type,
        sub: expand(ctx.params),
        paramOf: (inner, name) => `${inner.replace(/^node:/, '')}.${name}`,
      }),
  };
}

/** The mapping of a document Composite node: its own subgraph, carried along as JSON for import. */
export function compositeMapping(
  node: GraphNode,
  catalog: Catalog,
  mappings: Readonly<Record<string, OnnxMapping>>,
): OnnxMapping {
  const sub = node.subgraph as Subgraph;
  return {
    ops: ['Composite'],
    export: (ctx) =>
      exportBlock(ctx, catalog, mappings, {
        type: 'Composite',
        sub,
        paramOf: (inner, name) => `${inner}/${name}`,
        extra: { subgraph: sub as never },
      }),
  };
}
