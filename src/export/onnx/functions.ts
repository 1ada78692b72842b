/**
 * Node types with no single ONNX op at opset 17 (GELU, SiLU, nn.MultiheadAttention) are written
 * as calls to model-local functions in the `ai.shapeflow` domain. Each function's body is the
 * decomposition into standard ops (onnxruntime inlines it); the call carries the node's params
 * as attributes (JSON text), so import reads the node back exactly. Formal inputs are named
 * after the node's ports and parameters, which is how import tells data from weights.
 */
import { COMPOSITE_TYPE, type Subgraph } from '../../graph/document.ts';
import { defaultsOf } from '../../nodes/define.ts';
import type { Catalog } from '../../nodes/catalog.ts';
import { sinusoidalTable } from '../../nodes/layers/positional_encoding.ts';
import { float, int, ints, OnnxGraphWriter, SHAPEFLOW_DOMAIN } from './builder.ts';
import type { ExportContext, ImportContext, ImportMatch, Params } from './mapping.ts';

/** What a body gets: a writer, and the formal name of each input port (null when unconnected). */
export interface BodyContext {
  body: OnnxGraphWriter;
  inputs: Record<string, string | null>;
  weights: Record<string, string | null>;
  params: Params;
  ctx: ExportContext;
}

/** A function's formal inputs: the node's tensor ports, then its parameters (a list, or one per params). */
export interface FunctionSpec {
  ports: string[];
  outputs: string[];
  weights: string[] | ((params: Params) => string[]);
}

/**
 * Write a node as a call of a function whose body `build` writes; `ports` and `outputs` are the
 * node's tensor input and output port names, `weights` its parameter names (in call order).
 */
export function callFunction(
  ctx: ExportContext,
  type: string,
  spec: FunctionSpec,
  build: (b: BodyContext) => Record<string, string>,
): string[] {
  const body = new OnnxGraphWriter(true);
  const inputs: Record<string, string | null> = {};
  spec.ports.forEach((port, k) => {
    inputs[port] = ctx.inputs[k] ? body.reserve(port) : null;
  });
  const weights: Record<string, string | null> = {};
  const weightArgs: string[] = [];
  const weightNames = typeof spec.weights === 'function' ? spec.weights(ctx.params) : spec.weights;
  for (const name of weightNames) {
    const initializer = ctx.weight(name);
    weights[name] = initializer ? body.reserve(name) : null;
    if (initializer) weightArgs.push(initializer);
  }
  const produced = build({ body, inputs, weights, params: ctx.params, ctx });
  // a function's outputs are named values of its body: rename the last writer of each
  const outputs = spec.outputs.map((port) => {
    const value = produced[port];
    const writer = body.nodes.find((n) => n.output.includes(value));
    if (!writer) throw ctx.refuse(`function body has no value for output '${port}'`);
    writer.output[writer.output.indexOf(value)] = port;
    for (const n of body.nodes) n.input = n.input.map((i) => (i === value ? port : i));
    return port;
  });
  const formalInputs = [
    ...spec.ports.filter((p) => inputs[p] !== null),
    ...weightNames.filter((w) => weights[w] !== null),
  ];
  const name = ctx.functions.define(type, {
    input: formalInputs,
    output: outputs,
    attribute: Object.keys(ctx.params),
    node: body.nodes,
    docString: `Shapeflow ${type}`,
  });
  const actual = [...spec.ports.map((_p, k) => ctx.inputs[k]).filter((v) => v !== null), ...weightArgs];
  const attrs = Object.fromEntries(
    Object.entries(ctx.params).map(([k, v]) => [k, { string: JSON.stringify(v ?? null) }]),
  );
  return ctx.graph.node(name, actual as string[], attrs, {
    name: ctx.id,
    outputs: outputs.length,
    domain: SHAPEFLOW_DOMAIN,
  });
}

/** Read a call of a Shapeflow function back as its node type, params and weights. */
export function importFunctionCall(ictx: ImportContext, catalog: Catalog): ImportMatch | string | null {
  const { node } = ictx;
  if (node.domain !== SHAPEFLOW_DOMAIN) return null;
  const type = node.opType.replace(/_\d+$/, '');
  const def = catalog.get(type);
  const formals = ictx.functionInputs(node);
  if (!formals) return null;
  if (type === COMPOSITE_TYPE) return importComposite(ictx, formals);
  if (!def) return null;
  const params = { ...defaultsOf(def) } as Params;
  for (const a of node.attribute ?? []) {
    const text = ictx.attr(a.name);
    if (typeof text !== 'string') return `attribute '${a.name}' of ${node.opType} is not JSON text`;
    try {
      params[a.name] = JSON.parse(text);
    } catch {
      return `attribute '${a.name}' of ${node.opType} is not JSON text`;
    }
  }
  const ports = def.inputs.filter((p) => p.kind === 'tensor').map((p) => p.name);
  const bound = bindFormals(ictx, formals, ports, `a port of ${type}`);
  if (typeof bound === 'string') return bound;
  const outputs = def.outputs.map((_p, k) => node.output[k] ?? '');
  return { type, params, ...bound, outputs };
}

/**
 * A call's actual inputs by its function's formals: a formal named like a port feeds that port,
 * any other is a weight and must be an initializer. A string says which formal is neither.
 */
function bindFormals(
  ictx: ImportContext,
  formals: string[],
  ports: string[],
  portName = 'a port',
): Pick<ImportMatch, 'inputs' | 'weights'> | string {
  const inputs: (string | null)[] = ports.map(() => null);
  const weights: ImportMatch['weights'] = {};
  for (const [k, formal] of formals.entries()) {
    const actual = ictx.node.input[k];
    if (!actual) continue;
    const port = ports.indexOf(formal);
    if (port >= 0) {
      inputs[port] = actual;
      continue;
    }
    const tensor = ictx.initializer(actual);
    if (!tensor) return `${ictx.node.opType} input '${formal}' is neither ${portName} nor a weight`;
    weights[formal] = tensor;
  }
  return { inputs, weights };
}

/** A document Composite: its subgraph comes back from the call's `subgraph` attribute. */
function importComposite(ictx: ImportContext, formals: string[]): ImportMatch | string {
  const { node } = ictx;
  const text = ictx.attr('subgraph');
  let subgraph: Subgraph;
  try {
    subgraph = JSON.parse(typeof text === 'string' ? text : '');
  } catch {
    return `${node.opType} has no readable subgraph attribute`;
  }
  if (
    !Array.isArray(subgraph?.inputs) ||
    !Array.isArray(subgraph?.outputs) ||
    !Array.isArray(subgraph?.nodes)
  )
    return `${node.opType} has no readable subgraph attribute`;
  const ports = subgraph.inputs.map((x) => x.name);
  const bound = bindFormals(ictx, formals, ports);
  if (typeof bound === 'string') return bound;
  const outputs = subgraph.outputs.map((_x, k) => node.output[k] ?? '');
  const composite = { subgraph, inputs: ports, outputs: subgraph.outputs.map((x) => x.name) };
  return { type: COMPOSITE_TYPE, params: {}, ...bound, outputs, composite };
}

// ---- bodies ------------------------------------------------------------------------------

/** GELU: x·Φ(x) = ½x(1 + erf(x/√2)), or its tanh approximation (opset 17 has no Gelu). */
export function geluBody({ body, inputs, params }: BodyContext): Record<string, string> {
  const x = inputs.input as string;
  const c = (stem: string, v: number) => body.constantScalar(stem, v);
  let inner: string;
  if (params.approximate === 'tanh') {
    // tanh(√(2/π)·(x + 0.044715·x³))
    const cube = body.op('Mul', [x, body.op('Mul', [x, x])]);
    const poly = body.op('Add', [x, body.op('Mul', [cube, c('k', 0.044715)])]);
    inner = body.op('Tanh', [body.op('Mul', [poly, c('sqrt_2_over_pi', Math.sqrt(2 / Math.PI))])]);
  } else {
    inner = body.op('Erf', [body.op('Div', [x, c('sqrt2', Math.SQRT2)])]);
  }
  const phi = body.op('Mul', [body.op('Add', [inner, c('one', 1)]), c('half', 0.5)]);
  return { output: body.op('Mul', [x, phi]) };
}

/** SiLU: x·σ(x). */
export function siluBody({ body, inputs }: BodyContext): Record<string, string> {
  const x = inputs.input as string;
  return { output: body.op('Mul', [x, body.op('Sigmoid', [x])]) };
}

/**
 * Attention scores of `rank` dims ([…, L, S]) with the node's mask added: MASKED above the
 * diagonal (causal), or where key_padding_mask ([B, S], 1 = padding) marks a key.
 */
function masked(
  body: OnnxGraphWriter,
  scores: string,
  rank: number,
  mask: string,
  padding: string | null,
): string {
  if (mask === 'causal') {
    const lastTwo = body.op('Slice', [
      body.op('Shape', [scores]),
      body.constantInts('from', [rank - 2]),
      body.constantInts('to', [rank]),
    ]);
    const filled = body.op('ConstantOfShape', [lastTwo], {
      value: { tensor: { dims: [1], dataType: 1, floatData: [MASKED] } },
    });
    const above = body.op(
      'Trilu',
      [filled, body.constant('one', { dims: [], dataType: 7, int64Data: [1] })],
      {
        upper: int(1),
      },
    );
    return body.op('Add', [scores, above]);
  }
  if (mask === 'padding' && padding) {
    // [B, S] → [B, 1, …, 1, S] (or [S] → [1, S] for unbatched scores)
    const shape = rank === 2 ? [1, -1] : [0, ...new Array<number>(rank - 2).fill(1), -1];
    const additive = body.op('Mul', [padding, body.constantScalar('masked', MASKED)]);
    return body.op('Add', [scores, body.op('Reshape', [additive, body.constantInts('mask_shape', shape)])]);
  }
  return scores;
}

/** What Shapeflow adds to a masked score (kit/attention.ts MASKED): finite, so softmax stays defined. */
const MASKED = -1e30;

/** x·Wᵀ (+ b): nn.Linear with PyTorch's [out, in] weight, for inputs of any rank. */
function linear(body: OnnxGraphWriter, x: string, weight: string, bias: string | null): string {
  const y = body.op('MatMul', [x, body.op('Transpose', [weight], { perm: ints([1, 0]) })]);
  return bias ? body.op('Add', [y, bias]) : y;
}

/**
 * nn.MultiheadAttention (dropout 0) as ONNX ops: split the packed in-projection, project,
 * split into heads, softmax(QKᵀ/√d)·V per head, join the heads, project out; the weights
 * output is the attention averaged over heads, as PyTorch returns by default.
 */
export function multiHeadAttentionBody({
  body,
  inputs,
  weights,
  params,
}: BodyContext): Record<string, string> {
  const H = params.num_heads as number;
  const E = params.embed_dim as number;
  const toBatchFirst = (x: string) =>
    params.batch_first ? x : body.op('Transpose', [x], { perm: ints([1, 0, 2]) });
  const q = toBatchFirst(inputs.query as string);
  const k = inputs.key ? toBatchFirst(inputs.key) : q;
  const v = inputs.value ? toBatchFirst(inputs.value) : k;

  const [wq, wk, wv] = body.node('Split', [weights.in_proj_weight], { axis: int(0) }, { outputs: 3 });
  const [bq, bk, bv] = weights.in_proj_bias
    ? body.node('Split', [weights.in_proj_bias], { axis: int(0) }, { outputs: 3 })
    : [null, null, null];
  const project = (x: string, w: string, b: string | null) => linear(body, x, w, b);
  const headShape = body.constantInts('head_shape', [0, 0, H, -1]);
  const heads = (x: string, perm: number[]) =>
    body.op('Transpose', [body.op('Reshape', [x, headShape])], { perm: ints(perm) });
  const qh = heads(project(q, wq, bq), [0, 2, 1, 3]); // [B, H, L, d]
  const khT = heads(project(k, wk, bk), [0, 2, 3, 1]); // [B, H, d, S]
  const vh = heads(project(v, wv, bv), [0, 2, 1, 3]); // [B, H, S, d]

  const raw = body.op('Mul', [
    body.op('MatMul', [qh, khT]),
    body.constantScalar('scale', 1 / Math.sqrt(E / H)),
  ]);
  const scores = masked(body, raw, 4, params.mask as string, inputs.key_padding_mask);
  const attention = body.op('Softmax', [scores], { axis: int(-1) });
  const joined = body.op('Reshape', [
    body.op('Transpose', [body.op('MatMul', [attention, vh])], { perm: ints([0, 2, 1, 3]) }),
    body.constantInts('joined_shape', [0, 0, -1]),
  ]);
  const out = project(joined, weights['out_proj.weight'] as string, weights['out_proj.bias']);
  const output = params.batch_first ? out : body.op('Transpose', [out], { perm: ints([1, 0, 2]) });
  const averaged = body.op('ReduceMean', [attention], { axes: ints([1]), keepdims: int(0) });
  return { output, attn_weights: averaged };
}

/** The first T rows of the position table (T = the input's dim 1, known only at run time), added to x. */
export function positionalEncodingBody({
  body,
  inputs,
  weights,
  params,
}: BodyContext): Record<string, string> {
  const x = inputs.input as string;
  const d = params.num_hiddens as number;
  const maxLen = params.max_len as number;
  const learned = params.kind === 'learned';
  // the sinusoids for max_len positions: row t depends on t only, so its first T rows are the table for T
  const table = learned
    ? (weights.pos_embedding as string)
    : body.constantFloats('table', [maxLen, d], sinusoidalTable(maxLen, d));
  const steps = body.op('Slice', [
    body.op('Shape', [x]),
    body.constantInts('t_from', [1]),
    body.constantInts('t_to', [2]),
  ]);
  const rows = body.op('Slice', [
    table,
    body.constantInts('zero', [0]),
    steps,
    body.constantInts('axis', [learned ? 1 : 0]),
  ]);
  return { output: body.op('Add', [x, rows]) };
}

/** ViT's patch embedding: a Conv with stride = kernel = patch_size, then [N, d, h, w] → [N, h·w, d]. */
export function patchEmbeddingBody({ body, inputs, weights, params }: BodyContext): Record<string, string> {
  const k = params.patch_size as number;
  const grid = body.op('Conv', [inputs.input, weights['conv.weight'], weights['conv.bias']], {
    kernel_shape: ints([k, k]),
    strides: ints([k, k]),
  });
  const flat = body.op('Reshape', [grid, body.constantInts('flat_shape', [0, 0, -1])]);
  return { output: body.op('Transpose', [flat], { perm: ints([0, 2, 1]) }) };
}

type RecurrentKind = 'RNN' | 'LSTM' | 'GRU';
/** Where each ONNX gate block sits in PyTorch's stacking: LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h. */
const GATE_ORDER: Record<RecurrentKind, number[]> = { RNN: [0], LSTM: [0, 3, 1, 2], GRU: [1, 0, 2] };

/** The parameter names of a recurrent node, layer by layer and direction by direction (PyTorch's). */
export function recurrentWeights(params: Params): string[] {
  const names: string[] = [];
  for (let l = 0; l < (params.num_layers as number); l++) {
    for (const suffix of params.bidirectional ? ['', '_reverse'] : ['']) {
      names.push(`weight_ih_l${l}${suffix}`, `weight_hh_l${l}${suffix}`);
      if (params.bias) names.push(`bias_ih_l${l}${suffix}`, `bias_hh_l${l}${suffix}`);
    }
  }
  return names;
}

/**
 * nn.RNN / nn.LSTM / nn.GRU as one ONNX RNN / LSTM / GRU op per layer: the gate blocks of each
 * weight reordered to ONNX's order, directions stacked, the layer's [T, D, B, H] output joined to
 * [T, B, D·H] for the next layer, and the last states of every layer concatenated (h_n, c_n).
 */
export function recurrentBody(kind: RecurrentKind) {
  return ({ body, inputs, weights, params }: BodyContext): Record<string, string> => {
    const H = params.hidden_size as number;
    const dirs = params.bidirectional ? 2 : 1;
    const gates = GATE_ORDER[kind].length;
    const onnxOrder = (name: string) => {
      if (gates === 1) return weights[name] as string;
      const blocks = body.node('Split', [weights[name] as string], { axis: int(0) }, { outputs: gates });
      return body.op(
        'Concat',
        GATE_ORDER[kind].map((k) => blocks[k]),
        { axis: int(0) },
      );
    };
    const stacked = (perDirection: string[]) =>
      body.op(
        'Concat',
        perDirection.map((w) => body.op('Unsqueeze', [w, body.constantInts('axis0', [0])])),
        {
          axis: int(0),
        },
      );
    let seq = params.batch_first
      ? body.op('Transpose', [inputs.input as string], { perm: ints([1, 0, 2]) })
      : (inputs.input as string);
    const hN: string[] = [];
    const cN: string[] = [];
    for (let l = 0; l < (params.num_layers as number); l++) {
      const suffixes = dirs === 2 ? ['', '_reverse'] : [''];
      const W = stacked(suffixes.map((s) => onnxOrder(`weight_ih_l${l}${s}`)));
      const R = stacked(suffixes.map((s) => onnxOrder(`weight_hh_l${l}${s}`)));
      const B = params.bias
        ? stacked(
            suffixes.map((s) =>
              body.op('Concat', [onnxOrder(`bias_ih_l${l}${s}`), onnxOrder(`bias_hh_l${l}${s}`)], {
                axis: int(0),
              }),
            ),
          )
        : null;
      const rows = (state: string | null) =>
        state
          ? body.op('Slice', [
              state,
              body.constantInts('from', [l * dirs]),
              body.constantInts('to', [(l + 1) * dirs]),
            ])
          : null;
      const attrs = {
        hidden_size: int(H),
        direction: dirs === 2 ? { string: 'bidirectional' } : undefined,
        activations:
          kind === 'RNN' && params.nonlinearity === 'relu'
            ? { strings: dirs === 2 ? ['Relu', 'Relu'] : ['Relu'] }
            : undefined,
        linear_before_reset: kind === 'GRU' ? int(1) : undefined,
      };
      const stateInputs = kind === 'LSTM' ? [rows(inputs.h0), rows(inputs.c0)] : [rows(inputs.h0)];
      const outs = body.node(kind, [seq, W, R, B, null, ...stateInputs], attrs, {
        outputs: kind === 'LSTM' ? 3 : 2,
      });
      hN.push(outs[1]);
      if (kind === 'LSTM') cN.push(outs[2]);
      // [T, D, B, H] → [T, B, D·H]
      const joined = body.op('Transpose', [outs[0]], { perm: ints([0, 2, 1, 3]) });
      seq = body.op('Reshape', [joined, body.constantInts('seq_shape', [0, 0, -1])]);
    }
    const output = params.batch_first ? body.op('Transpose', [seq], { perm: ints([1, 0, 2]) }) : seq;
    const join = (xs: string[]) => (xs.length === 1 ? xs[0] : body.op('Concat', xs, { axis: int(0) }));
    return kind === 'LSTM' ? { output, h_n: join(hN), c_n: join(cN) } : { output, h_n: join(hN) };
  };
}

/** softmax(Q·Kᵀ·scale + mask)·V over the last two dims; scale defaults to 1/√d (d = the query's feature size). */
export function scaledDotProductAttentionBody({
  body,
  inputs,
  params,
  ctx,
}: BodyContext): Record<string, string> {
  const dims = ctx.inputTypes[0]?.dims ?? [];
  const rank = dims.length;
  const d = dims[rank - 1];
  if (params.scale === null && typeof d !== 'number')
    throw ctx.refuse(`the query's feature size ${d} must be a number for scale 1/√d`);
  const scale = (params.scale as number | null) ?? 1 / Math.sqrt(d as number);
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  const keysT = body.op('Transpose', [inputs.k as string], { perm: ints(perm) });
  const raw = body.op('Mul', [
    body.op('MatMul', [inputs.q as string, keysT]),
    body.constantScalar('scale', scale),
  ]);
  const scores = masked(body, raw, rank, params.mask as string, inputs.key_padding_mask);
  return { output: body.op('MatMul', [body.op('Softmax', [scores], { axis: int(-1) }), inputs.v as string]) };
}

/** GroupNorm: InstanceNormalization over [N, G, rest], back to x's shape, then γ and β per channel. */
export function groupNormBody({ body, inputs, weights, params, ctx }: BodyContext): Record<string, string> {
  const x = inputs.input as string;
  const G = params.num_groups as number;
  const C = params.num_channels as number;
  const rank = ctx.inputTypes[0]?.dims.length ?? 4;
  const grouped = body.op('Reshape', [x, body.constantInts('grouped_shape', [0, G, -1])]);
  const ones = body.constantFloats('ones', [G], new Array<number>(G).fill(1));
  const zeros = body.constantFloats('zeros', [G], new Array<number>(G).fill(0));
  const normed = body.op('InstanceNormalization', [grouped, ones, zeros], {
    epsilon: float(params.eps as number),
  });
  let y = body.op('Reshape', [normed, body.op('Shape', [x])]);
  if (weights.weight && weights.bias) {
    const perChannel = body.constantInts('channel_shape', [C, ...new Array<number>(rank - 2).fill(1)]);
    y = body.op('Mul', [y, body.op('Reshape', [weights.weight, perChannel])]);
    y = body.op('Add', [y, body.op('Reshape', [weights.bias, perChannel])]);
  }
  return { output: y };
}

/** ViT's class token: the learned [1, 1, E] row repeated for each example, put before the tokens. */
export function classTokenBody({ body, inputs, weights, params }: BodyContext): Record<string, string> {
  const x = inputs.input as string;
  const batch = body.op('Slice', [
    body.op('Shape', [x]),
    body.constantInts('n_from', [0]),
    body.constantInts('n_to', [1]),
  ]);
  const target = body.op('Concat', [batch, body.constantInts('row_shape', [1, params.embed_dim as number])], {
    axis: int(0),
  });
  const tokens = body.op('Expand', [weights.cls_token as string, target]);
  return { output: body.op('Concat', [tokens, x], { axis: int(1) }) };
}

/** Bahdanau attention: w_v·tanh(W_q q + W_k k) for every query–key pair, softmax over keys, weights·V. */
export function additiveAttentionBody({ body, inputs, weights }: BodyContext): Record<string, string> {
  const project = (x: string, w: string) => linear(body, x, w, null);
  const axis = (stem: string, k: number) => body.constantInts(stem, [k]);
  const qh = body.op('Unsqueeze', [
    project(inputs.queries as string, weights['W_q.weight'] as string),
    axis('at2', 2),
  ]);
  const kh = body.op('Unsqueeze', [
    project(inputs.keys as string, weights['W_k.weight'] as string),
    axis('at1', 1),
  ]);
  const features = body.op('Tanh', [body.op('Add', [qh, kh])]); // [B, Q, K, h]
  const raw = body.op('Squeeze', [project(features, weights['w_v.weight'] as string), axis('last', -1)]);
  // key_padding_mask [B, K] → [B, 1, K]
  const scores = inputs.key_padding_mask
    ? body.op('Add', [
        raw,
        body.op('Unsqueeze', [
          body.op('Mul', [inputs.key_padding_mask, body.constantScalar('masked', MASKED)]),
          axis('at1_mask', 1),
        ]),
      ])
    : raw;
  const attention = body.op('Softmax', [scores], { axis: int(-1) });
  return { output: body.op('MatMul', [attention, inputs.values as string]), attention_weights: attention };
}
