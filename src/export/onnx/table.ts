/**
 * The ONNX mapping table: one entry per node type, like the catalog. Each says which ONNX ops
 * (opset 17) the node becomes, writes them, and reads them back. Node types with no single op
 * are model-local functions (functions.ts). Export and import both go through this table only.
 */
import type { Catalog } from '../../nodes/catalog.ts';
import { float, int, int64Tensor, ints } from './builder.ts';
import {
  additiveAttentionBody,
  callFunction,
  classTokenBody,
  geluBody,
  groupNormBody,
  importFunctionCall,
  multiHeadAttentionBody,
  type FunctionSpec,
  patchEmbeddingBody,
  positionalEncodingBody,
  recurrentBody,
  recurrentWeights,
  scaledDotProductAttentionBody,
  siluBody,
} from './functions.ts';
import type { NodeProto } from './proto.ts';
import type {
  ConstTensor,
  ExportContext,
  ImportContext,
  ImportMatch,
  OnnxMapping,
  Params,
} from './mapping.ts';

const pair = (v: unknown): number[] => (Array.isArray(v) ? (v as number[]) : [v as number, v as number]);
/** A float attribute as its parameter: float32 `1e-5` reads back as 9.99999974e-6; keep 7 digits. */
const fromFloat32 = (x: number) => Number(Math.fround(x).toPrecision(7));
const rankOf = (ctx: ExportContext, k = 0) => ctx.inputTypes[k]?.dims.length ?? 0;
const axisOf = (dim: number, rank: number) => (dim < 0 ? dim + rank : dim);

/** A node reading its data input through one ONNX op with the given attributes. */
function single(
  ctx: ExportContext,
  op: string,
  attrs: Parameters<ExportContext['graph']['node']>[2] = {},
  extra: (string | null)[] = [],
): string[] {
  return ctx.graph.node(op, [ctx.inputs[0], ...extra], attrs, { name: ctx.id });
}

/** The numbers of an int or float attribute list (absent → fallback). */
function numbers(ictx: ImportContext, name: string, fallback: number[]): number[] {
  const v = ictx.attr(name);
  return Array.isArray(v) ? v : typeof v === 'number' ? [v] : fallback;
}

function number(ictx: ImportContext, name: string, fallback: number): number {
  const v = ictx.attr(name);
  return typeof v === 'number' ? v : fallback;
}

const matchOf = (
  ictx: ImportContext,
  type: string,
  params: Params,
  rest: Partial<ImportMatch> = {},
): ImportMatch => ({
  type,
  params,
  inputs: [ictx.node.input[0] ?? null],
  outputs: [ictx.node.output[0]],
  ...rest,
});

/** An activation or other one-op node with no params. */
const plain = (type: string, op: string): OnnxMapping => ({
  ops: [op],
  export: (ctx) => single(ctx, op),
  import: (ictx) => matchOf(ictx, type, {}),
});

/** Add, Sub, Mul, Div, MatMul: two tensor inputs a, b. */
const binary = (type: string, op: string): OnnxMapping => ({
  ops: [op],
  export: (ctx) => ctx.graph.node(op, [ctx.inputs[0], ctx.inputs[1]], {}, { name: ctx.id }),
  import: (ictx) => {
    const [a, b] = ictx.node.input;
    if (ictx.constant(a) || ictx.constant(b))
      return `${op} of a constant has no ${type} node (both inputs must be computed)`;
    return matchOf(ictx, type, {}, { inputs: [a, b] });
  },
});

/** A call of the node type's model-local function. */
const viaFunction = (
  type: string,
  spec: FunctionSpec,
  body: Parameters<typeof callFunction>[3],
): OnnxMapping => ({
  ops: [type],
  export: (ctx) => callFunction(ctx, type, spec, body),
});

function transposed(t: ConstTensor): ConstTensor {
  const [rows, cols] = t.dims;
  const data = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[c * rows + r] = t.data[r * cols + c];
  return { dims: [cols, rows], data };
}

/** Gemm (2-D input) or MatMul + Add; reads back both, and PyTorch's MatMul with a pre-transposed weight. */
const linear: OnnxMapping = {
  ops: ['Gemm', 'MatMul'],
  export(ctx) {
    const weight = ctx.weight('weight') as string;
    const bias = ctx.weight('bias');
    if (rankOf(ctx) === 2) return single(ctx, 'Gemm', { transB: int(1) }, [weight, bias]);
    const wT = ctx.graph.op('Transpose', [weight], { perm: ints([1, 0]) }, `${ctx.id}/weight_T`);
    const y = ctx.graph.op('MatMul', [ctx.inputs[0], wT], {}, bias ? `${ctx.id}/MatMul` : ctx.id);
    return bias ? [ctx.graph.op('Add', [y, bias], {}, ctx.id)] : [y];
  },
  import(ictx) {
    const { node } = ictx;
    let weight: ConstTensor | null;
    const consumed: NodeProto[] = [];
    if (node.opType === 'Gemm') {
      if (number(ictx, 'transA', 0) !== 0 || number(ictx, 'alpha', 1) !== 1 || number(ictx, 'beta', 1) !== 1)
        return 'Gemm with transA, alpha or beta other than the defaults has no Linear form';
      const w = ictx.initializer(node.input[1]);
      if (!w) return null;
      weight = number(ictx, 'transB', 0) === 1 ? w : transposed(w);
      const bias = node.input[2] ? ictx.initializer(node.input[2]) : null;
      if (node.input[2] && bias?.dims.length !== 1) return 'Gemm with a bias that is not a [out] weight';
      return linearMatch(ictx, weight, bias, node.output[0], consumed);
    }
    // MatMul(x, Transpose(W)) as Shapeflow writes it, or MatMul(x, Wᵀ stored) as PyTorch does
    const b = node.input[1];
    const t = ictx.producer(b);
    const perm = t && ictx.attr('perm', t);
    const swapsTwo = perm === undefined || (Array.isArray(perm) && perm[0] === 1 && perm[1] === 0);
    if (t?.opType === 'Transpose' && ictx.initializer(t.input[0]) && swapsTwo) {
      weight = ictx.initializer(t.input[0]);
      consumed.push(t);
    } else {
      const stored = ictx.initializer(b);
      weight = stored && stored.dims.length === 2 ? transposed(stored) : null;
    }
    if (weight?.dims.length !== 2) return null;
    const readers = ictx.consumers(node.output[0]);
    const add = readers.length === 1 && readers[0].opType === 'Add' ? readers[0] : null;
    const biasName = add?.input.find((i) => i !== node.output[0]);
    const bias = biasName ? ictx.initializer(biasName) : null;
    if (add && bias && bias.dims.length === 1 && bias.dims[0] === weight.dims[0]) {
      consumed.push(add);
      return linearMatch(ictx, weight, bias, add.output[0], consumed);
    }
    return linearMatch(ictx, weight, null, node.output[0], consumed);
  },
};

function linearMatch(
  ictx: ImportContext,
  weight: ConstTensor,
  bias: ConstTensor | null,
  output: string,
  consumed: ImportMatch['consumed'],
): ImportMatch {
  const [out, inFeatures] = weight.dims;
  return matchOf(
    ictx,
    'Linear',
    { in_features: inFeatures, out_features: out, bias: !!bias },
    { outputs: [output], weights: bias ? { weight, bias } : { weight }, consumed },
  );
}

/** Conv with PyTorch's symmetric padding; Conv1d and Conv2d differ only in the spatial rank. */
const conv = (type: 'Conv1d' | 'Conv2d', spatial: number): OnnxMapping => ({
  ops: ['Conv'],
  export(ctx) {
    const size = (name: string) => (spatial === 1 ? [ctx.params[name] as number] : pair(ctx.params[name]));
    const padding = size('padding');
    return single(
      ctx,
      'Conv',
      {
        kernel_shape: ints(size('kernel_size')),
        strides: ints(size('stride')),
        pads: ints([...padding, ...padding]),
        dilations: ints(size('dilation')),
        group: int(ctx.params.groups as number),
      },
      [ctx.weight('weight') as string, ctx.weight('bias')],
    );
  },
  import(ictx) {
    const weight = ictx.initializer(ictx.node.input[1]);
    if (!weight || weight.dims.length !== spatial + 2) return null;
    const bias = ictx.node.input[2] ? ictx.initializer(ictx.node.input[2]) : null;
    if (ictx.node.input[2] && !bias) return 'Conv with a computed bias';
    const autoPad = ictx.attr('auto_pad');
    if (typeof autoPad === 'string' && autoPad !== 'NOTSET' && autoPad !== 'VALID')
      return `Conv with auto_pad ${autoPad} has no ${type} padding`;
    const ones = new Array<number>(spatial).fill(1);
    const pads = numbers(ictx, 'pads', new Array<number>(2 * spatial).fill(0));
    if (pads.some((p, i) => p !== pads[i % spatial])) return `Conv with asymmetric pads [${pads}]`;
    const group = number(ictx, 'group', 1);
    const tuple = (v: number[]) => (spatial === 1 ? v[0] : v);
    return matchOf(
      ictx,
      type,
      {
        in_channels: weight.dims[1] * group,
        out_channels: weight.dims[0],
        kernel_size: tuple(weight.dims.slice(2)),
        stride: tuple(numbers(ictx, 'strides', ones)),
        padding: tuple(pads.slice(0, spatial)),
        dilation: tuple(numbers(ictx, 'dilations', ones)),
        groups: group,
        bias: !!bias,
      },
      { weights: bias ? { weight, bias } : { weight } },
    );
  },
});

/** Ones or zeros that stand in for a missing affine weight: a constant, so import sees no weight. */
function fixed(ctx: ExportContext, name: string, dims: number[], value: number): string {
  const count = dims.reduce((n, d) => n * d, 1);
  return ctx.graph.constantFloats(`${ctx.id}/${name}`, dims, new Array<number>(count).fill(value));
}

/** BatchNormalization in inference mode: the running statistics, PyTorch's eval(). */
const batchNorm = (type: 'BatchNorm1d' | 'BatchNorm2d', ranks: number[]): OnnxMapping => ({
  ops: ['BatchNormalization'],
  export(ctx) {
    const p = ctx.params;
    if (!p.track_running_stats)
      throw ctx.refuse(
        'track_running_stats=false normalises by batch statistics even in eval mode; ONNX BatchNormalization uses running ones',
      );
    const c = p.num_features as number;
    return single(
      ctx,
      'BatchNormalization',
      // ONNX's momentum weighs the old running value: PyTorch's 1 − momentum
      { epsilon: float(p.eps as number), momentum: float(1 - (p.momentum as number)) },
      [
        ctx.weight('weight') ?? fixed(ctx, 'weight', [c], 1),
        ctx.weight('bias') ?? fixed(ctx, 'bias', [c], 0),
        ctx.weight('running_mean') as string,
        ctx.weight('running_var') as string,
      ],
    );
  },
  import(ictx) {
    const rank = ictx.dimsOf(ictx.node.input[0])?.length ?? 4;
    if (!ranks.includes(rank)) return null;
    const [, scaleName, biasName, meanName, varName] = ictx.node.input;
    const mean = ictx.initializer(meanName);
    const variance = ictx.initializer(varName);
    if (!mean || !variance) return 'BatchNormalization with computed running statistics';
    const scale = ictx.initializer(scaleName);
    const bias = ictx.initializer(biasName);
    const affine = !!(scale && bias);
    if (
      !affine &&
      !(
        ictx.constant(scaleName)?.data.every((v) => v === 1) &&
        ictx.constant(biasName)?.data.every((v) => v === 0)
      )
    )
      return 'BatchNormalization with a constant scale or bias other than ones and zeros';
    const weights: Record<string, ConstTensor> = { running_mean: mean, running_var: variance };
    if (scale && bias) Object.assign(weights, { weight: scale, bias });
    return matchOf(
      ictx,
      type,
      {
        num_features: mean.dims[0],
        eps: fromFloat32(number(ictx, 'epsilon', 1e-5)),
        momentum: fromFloat32(1 - number(ictx, 'momentum', 0.9)),
        affine,
        track_running_stats: true,
      },
      { weights },
    );
  },
});

const layerNorm: OnnxMapping = {
  ops: ['LayerNormalization'],
  export(ctx) {
    const shape = ctx.params.normalized_shape as number[];
    return single(
      ctx,
      'LayerNormalization',
      { axis: int(-shape.length), epsilon: float(ctx.params.eps as number) },
      [
        ctx.weight('weight') ?? fixed(ctx, 'weight', shape, 1),
        ctx.weight('bias') ?? fixed(ctx, 'bias', shape, 0),
      ],
    );
  },
  import(ictx) {
    const [, scaleName, biasName] = ictx.node.input;
    const scale = ictx.initializer(scaleName);
    const bias = biasName ? ictx.initializer(biasName) : null;
    const shape = (scale ?? ictx.constant(scaleName))?.dims;
    if (!shape) return 'LayerNormalization with a computed scale';
    if (number(ictx, 'axis', -1) !== -shape.length) {
      const rank = ictx.dimsOf(ictx.node.input[0])?.length;
      if (rank === undefined || number(ictx, 'axis', -1) + rank !== rank - shape.length)
        return 'LayerNormalization whose axis does not match its scale';
    }
    const affine = !!scale && (!biasName || !!bias);
    return matchOf(
      ictx,
      'LayerNorm',
      {
        normalized_shape: shape,
        eps: fromFloat32(number(ictx, 'epsilon', 1e-5)),
        elementwise_affine: affine,
      },
      affine
        ? { weights: bias ? { weight: scale as ConstTensor, bias } : { weight: scale as ConstTensor } }
        : {},
    );
  },
};

const softmax = (type: 'Softmax' | 'LogSoftmax'): OnnxMapping => ({
  ops: [type],
  export(ctx) {
    const rank = rankOf(ctx);
    // dim=None is PyTorch's legacy implicit dim: 0 for ranks 0, 1, 3, else 1
    const dim = (ctx.params.dim as number | null) ?? (rank === 0 || rank === 1 || rank === 3 ? 0 : 1);
    return single(ctx, type, { axis: int(dim) });
  },
  import: (ictx) => matchOf(ictx, type, { dim: number(ictx, 'axis', -1) }),
});

/**
 * Pool attributes shared by MaxPool and AveragePool. With ceil_mode, PyTorch drops a last window
 * that would start in the right padding; ONNX before opset 19 keeps it, so those sizes are refused.
 */
function poolAttrs(ctx: ExportContext) {
  const p = ctx.params;
  const kernel = pair(p.kernel_size);
  const padding = pair(p.padding);
  const strides = p.stride === null || p.stride === undefined ? kernel : pair(p.stride);
  const dilation = p.dilation === undefined ? [1, 1] : pair(p.dilation);
  const spatial = (ctx.inputTypes[0]?.dims ?? []).slice(-2);
  spatial.forEach((size, i) => {
    if (!p.ceil_mode || typeof size !== 'number') return;
    const span = size + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1;
    const onnx = Math.ceil(span / strides[i]) + 1;
    const torch = (onnx - 1) * strides[i] >= size + padding[i] ? onnx - 1 : onnx;
    if (onnx !== torch)
      throw ctx.refuse(
        `ceil_mode gives ${torch} outputs along dim ${i + 2} in PyTorch, ${onnx} in ONNX opset 17 (the last window starts in the padding)`,
      );
  });
  return {
    kernel_shape: ints(kernel),
    strides: ints(strides),
    pads: ints([...padding, ...padding]),
    ceil_mode: int(p.ceil_mode ? 1 : 0),
  };
}

function poolParams(ictx: ImportContext): Params | string {
  const kernel = numbers(ictx, 'kernel_shape', []);
  if (kernel.length !== 2)
    return `${ictx.node.opType} over ${kernel.length} spatial dims (only 2-D pooling maps)`;
  const pads = numbers(ictx, 'pads', [0, 0, 0, 0]);
  if (pads[0] !== pads[2] || pads[1] !== pads[3]) return `${ictx.node.opType} with asymmetric pads [${pads}]`;
  const autoPad = ictx.attr('auto_pad');
  if (typeof autoPad === 'string' && autoPad !== 'NOTSET' && autoPad !== 'VALID')
    return `${ictx.node.opType} with auto_pad ${autoPad}`;
  return {
    kernel_size: kernel,
    stride: numbers(ictx, 'strides', [1, 1]),
    padding: pads.slice(0, 2),
    ceil_mode: number(ictx, 'ceil_mode', 0) === 1,
  };
}

const maxPool: OnnxMapping = {
  ops: ['MaxPool'],
  export: (ctx) => single(ctx, 'MaxPool', { ...poolAttrs(ctx), dilations: ints(pair(ctx.params.dilation)) }),
  import(ictx) {
    const params = poolParams(ictx);
    if (typeof params === 'string') return params;
    if (ictx.node.output.length > 1 && ictx.node.output[1]) return 'MaxPool with an Indices output';
    return matchOf(ictx, 'MaxPool2d', { ...params, dilation: numbers(ictx, 'dilations', [1, 1]) });
  },
};

const avgPool: OnnxMapping = {
  ops: ['AveragePool'],
  export(ctx) {
    if (ctx.params.divisor_override !== null && ctx.params.divisor_override !== undefined)
      throw ctx.refuse('divisor_override has no ONNX AveragePool equivalent');
    return single(ctx, 'AveragePool', {
      ...poolAttrs(ctx),
      count_include_pad: int(ctx.params.count_include_pad ? 1 : 0),
    });
  },
  import(ictx) {
    const params = poolParams(ictx);
    if (typeof params === 'string') return params;
    return matchOf(ictx, 'AvgPool2d', {
      ...params,
      count_include_pad: number(ictx, 'count_include_pad', 0) === 1,
    });
  },
};

/** Global pooling for output size 1; an exact AveragePool when the size divides the input. */
const adaptiveAvgPool: OnnxMapping = {
  ops: ['GlobalAveragePool', 'AveragePool'],
  export(ctx) {
    const out = pair(ctx.params.output_size ?? 1);
    if (out.every((d) => d === 1)) return single(ctx, 'GlobalAveragePool');
    const [h, w] = (ctx.inputTypes[0]?.dims ?? []).slice(-2);
    if (typeof h !== 'number' || typeof w !== 'number' || h % out[0] || w % out[1])
      throw ctx.refuse(
        `output_size ${out} must divide a fixed input size (got ${h}×${w}) to be an ONNX AveragePool`,
      );
    const kernel = [h / out[0], w / out[1]];
    return single(ctx, 'AveragePool', { kernel_shape: ints(kernel), strides: ints(kernel) });
  },
  import: (ictx) =>
    ictx.node.opType === 'GlobalAveragePool' ? matchOf(ictx, 'AdaptiveAvgPool2d', { output_size: 1 }) : null,
};

/** Flatten(1) is ONNX Flatten(axis=1); other spans are a Reshape with the kept dims. */
const flatten: OnnxMapping = {
  ops: ['Flatten', 'Reshape'],
  export(ctx) {
    const dims = ctx.inputTypes[0]?.dims ?? [];
    const start = axisOf(ctx.params.start_dim as number, dims.length);
    const end = axisOf(ctx.params.end_dim as number, dims.length);
    if (start === 1 && end === dims.length - 1) return single(ctx, 'Flatten', { axis: int(1) });
    const shape = ctx.outputTypes[0].dims.map((d, i) => (i < start ? 0 : i === start ? -1 : d));
    if (shape.some((d) => typeof d !== 'number'))
      throw ctx.refuse(
        `flattening dims ${start}..${end} leaves symbolic dims after them: ${ctx.outputTypes[0].dims}`,
      );
    return single(ctx, 'Reshape', {}, [ctx.graph.constantInts(`${ctx.id}/shape`, shape as number[])]);
  },
  import(ictx) {
    if (ictx.node.opType !== 'Flatten') return null;
    const rank = ictx.dimsOf(ictx.node.input[0])?.length;
    const axis = number(ictx, 'axis', 1);
    if (axis !== 1 && !(rank !== undefined && axis === rank - 1 && rank === 2))
      return `Flatten(axis=${axis}) folds the leading dims together; only axis 1 is nn.Flatten`;
    return matchOf(ictx, 'Flatten', { start_dim: 1, end_dim: -1 });
  },
};

/** Reshape: a symbol that stays in place is ONNX's 0 (copy the input dim); −1 is inferred. */
const reshape: OnnxMapping = {
  ops: ['Reshape'],
  export(ctx) {
    const input = ctx.inputTypes[0]?.dims ?? [];
    const shape = (ctx.params.shape as (number | string)[]).map((d, i) =>
      typeof d === 'number' ? d : d === input[i] ? 0 : null,
    );
    if (shape.some((d) => d === null))
      throw ctx.refuse(
        `shape [${ctx.params.shape}] moves a symbolic dim; ONNX Reshape takes fixed sizes, 0 or -1`,
      );
    return single(ctx, 'Reshape', {}, [ctx.graph.constantInts(`${ctx.id}/shape`, shape as number[])]);
  },
  import(ictx) {
    const shape = ictx.constant(ictx.node.input[1]);
    if (!shape) return 'Reshape to a computed shape';
    const input = ictx.dimsOf(ictx.node.input[0]);
    const dims: (number | string)[] = [];
    for (const [i, d] of [...shape.data].entries()) {
      if (d !== 0) dims.push(d);
      else if (input?.[i] !== undefined) dims.push(input[i]);
      else return 'Reshape copying a dim (0) of an input whose shape the file does not declare';
    }
    return matchOf(ictx, 'Reshape', { shape: dims }, { inputs: [ictx.node.input[0]] });
  },
};

/** Transpose swaps two dims; Permute is any order: both are ONNX Transpose. */
const transpose: OnnxMapping = {
  ops: ['Transpose'],
  export(ctx) {
    const rank = rankOf(ctx);
    const perm = Array.from({ length: rank }, (_, i) => i);
    const [a, b] = [axisOf(ctx.params.dim0 as number, rank), axisOf(ctx.params.dim1 as number, rank)];
    [perm[a], perm[b]] = [perm[b], perm[a]];
    return single(ctx, 'Transpose', { perm: ints(perm) });
  },
  import(ictx) {
    const perm = numbers(ictx, 'perm', []);
    const moved = perm.map((p, i) => (p !== i ? i : -1)).filter((i) => i >= 0);
    if (moved.length !== 2) return null;
    const rank = perm.length;
    // the last two dims are the node's default, written the PyTorch way
    const [dim0, dim1] = moved[0] === rank - 2 && moved[1] === rank - 1 ? [-2, -1] : moved;
    return matchOf(ictx, 'Transpose', { dim0, dim1 });
  },
};

const permute: OnnxMapping = {
  ops: ['Transpose'],
  export: (ctx) => single(ctx, 'Transpose', { perm: ints(ctx.params.dims as number[]) }),
  import: (ictx) => matchOf(ictx, 'Permute', { dims: numbers(ictx, 'perm', []) }),
};

const unsqueeze: OnnxMapping = {
  ops: ['Unsqueeze'],
  export: (ctx) =>
    single(ctx, 'Unsqueeze', {}, [ctx.graph.constantInts(`${ctx.id}/axes`, [ctx.params.dim as number])]),
  import(ictx) {
    const axes = ictx.node.input[1] ? ictx.constant(ictx.node.input[1])?.data : numbers(ictx, 'axes', []);
    if (axes?.length !== 1) return 'Unsqueeze of more than one axis';
    return matchOf(ictx, 'Unsqueeze', { dim: axes[0] });
  },
};

const CONCAT_PORTS = 6;
const concat: OnnxMapping = {
  ops: ['Concat'],
  export: (ctx) =>
    ctx.graph.node(
      'Concat',
      ctx.inputs.filter((i) => i !== null),
      { axis: int(ctx.params.dim as number) },
      { name: ctx.id },
    ),
  import(ictx) {
    const inputs = ictx.node.input;
    if (inputs.length < 2 || inputs.length > CONCAT_PORTS)
      return `Concat of ${inputs.length} inputs (Concat takes 2 to ${CONCAT_PORTS})`;
    const ports = Array.from({ length: CONCAT_PORTS }, (_, k) => inputs[k] ?? null);
    return matchOf(ictx, 'Concat', { dim: number(ictx, 'axis', 1) }, { inputs: ports });
  },
};

/** Dropout keeps its ratio as an input; in inference ONNX passes values through, like eval(). */
const dropout: OnnxMapping = {
  ops: ['Dropout'],
  export: (ctx) =>
    single(ctx, 'Dropout', {}, [ctx.graph.constantScalar(`${ctx.id}/ratio`, ctx.params.p as number)]),
  import(ictx) {
    const ratio = ictx.node.input[1] ? ictx.constant(ictx.node.input[1]) : null;
    if (ictx.node.input[1] && !ratio) return 'Dropout with a computed ratio';
    return matchOf(ictx, 'Dropout', { p: ratio ? fromFloat32(ratio.data[0]) : 0.5 });
  },
};

const embedding: OnnxMapping = {
  ops: ['Gather'],
  export: (ctx) =>
    ctx.graph.node('Gather', [ctx.weight('weight'), ctx.inputs[0]], { axis: int(0) }, { name: ctx.id }),
  import(ictx) {
    const weight = ictx.initializer(ictx.node.input[0]);
    if (weight?.dims.length !== 2 || number(ictx, 'axis', 0) !== 0) return null;
    return matchOf(
      ictx,
      'Embedding',
      { num_embeddings: weight.dims[0], embedding_dim: weight.dims[1] },
      { inputs: [ictx.node.input[1]], weights: { weight } },
    );
  },
};

const alpha = (type: string, op: string, param: string): OnnxMapping => ({
  ops: [op],
  export: (ctx) => single(ctx, op, { alpha: float(ctx.params[param] as number) }),
  import: (ictx) => matchOf(ictx, type, { [param]: fromFloat32(number(ictx, 'alpha', 0.01)) }),
});

/** ConvTranspose: PyTorch's weight is already ONNX's [in, out/groups, kH, kW]. */
const convTranspose: OnnxMapping = {
  ops: ['ConvTranspose'],
  export(ctx) {
    const padding = pair(ctx.params.padding);
    return single(
      ctx,
      'ConvTranspose',
      {
        kernel_shape: ints(pair(ctx.params.kernel_size)),
        strides: ints(pair(ctx.params.stride)),
        pads: ints([...padding, ...padding]),
        output_padding: ints(pair(ctx.params.output_padding)),
        dilations: ints(pair(ctx.params.dilation)),
        group: int(ctx.params.groups as number),
      },
      [ctx.weight('weight') as string, ctx.weight('bias')],
    );
  },
  import(ictx) {
    const weight = ictx.initializer(ictx.node.input[1]);
    if (weight?.dims.length !== 4) return null;
    const bias = ictx.node.input[2] ? ictx.initializer(ictx.node.input[2]) : null;
    if (ictx.node.input[2] && !bias) return 'ConvTranspose with a computed bias';
    if (ictx.attr('output_shape') !== undefined) return 'ConvTranspose with an output_shape';
    const pads = numbers(ictx, 'pads', [0, 0, 0, 0]);
    if (pads[0] !== pads[2] || pads[1] !== pads[3]) return `ConvTranspose with asymmetric pads [${pads}]`;
    const group = number(ictx, 'group', 1);
    return matchOf(
      ictx,
      'ConvTranspose2d',
      {
        in_channels: weight.dims[0],
        out_channels: weight.dims[1] * group,
        kernel_size: weight.dims.slice(2),
        stride: numbers(ictx, 'strides', [1, 1]),
        padding: pads.slice(0, 2),
        output_padding: numbers(ictx, 'output_padding', [0, 0]),
        dilation: numbers(ictx, 'dilations', [1, 1]),
        groups: group,
        bias: !!bias,
      },
      { weights: bias ? { weight, bias } : { weight } },
    );
  },
};

/** A reduction over one dim (null: all of them), keeping it or not. */
const reduction = (type: 'Sum' | 'Max', op: 'ReduceSum' | 'ReduceMax'): OnnxMapping => ({
  ops: [op],
  export(ctx) {
    const dim = ctx.params.dim as number | null;
    const keepdims = int(ctx.params.keepdim ? 1 : 0);
    // opset 17: ReduceSum takes its axes as an input, ReduceMax still as an attribute
    if (op === 'ReduceSum')
      return single(
        ctx,
        op,
        { keepdims },
        dim === null ? [] : [ctx.graph.constantInts(`${ctx.id}/axes`, [dim])],
      );
    return single(ctx, op, { keepdims, axes: dim === null ? undefined : ints([dim]) });
  },
  import(ictx) {
    const axes = ictx.node.input[1] ? ictx.constant(ictx.node.input[1])?.data : numbers(ictx, 'axes', []);
    if (!axes) return `${op} over computed axes`;
    if (axes.length > 1) return `${op} over ${axes.length} axes (${type} reduces one dim or all)`;
    if (type === 'Max' && !axes.length) return 'ReduceMax over every dim (Max reduces one)';
    return matchOf(ictx, type, {
      dim: axes.length ? axes[0] : null,
      keepdim: number(ictx, 'keepdims', 1) === 1,
    });
  },
});

/** A value list as the Tensor node's text: one number when all are equal ("0" fills the shape). */
function valuesText(data: Float32Array): string {
  const values = [...data].map(fromFloat32);
  return values.every((v) => v === values[0]) ? String(values[0] ?? 0) : values.join(', ');
}

/** A fixed or trainable tensor: an Identity of its initializer (trainable) or of a Constant. */
const fixedTensor: OnnxMapping = {
  ops: ['Identity'],
  export(ctx) {
    const shape = ctx.outputTypes[0].dims as number[];
    const values = (ctx.params.values as string)
      .split(/[\s,[\]]+/)
      .filter(Boolean)
      .map(Number);
    const size = shape.reduce((n, d) => n * d, 1);
    const value =
      ctx.weight('value') ??
      ctx.graph.constantFloats(
        `${ctx.id}/value`,
        shape,
        values.length === 1 ? new Array<number>(size).fill(values[0]) : values,
      );
    return ctx.graph.node('Identity', [value], {}, { name: ctx.id });
  },
  import(ictx) {
    const source = ictx.node.input[0];
    const weight = ictx.initializer(source);
    const fixed = weight ?? ictx.constant(source);
    if (!fixed) return null;
    return matchOf(
      ictx,
      'Tensor',
      { shape: fixed.dims, values: valuesText(fixed.data), requires_grad: !!weight },
      { inputs: [], weights: weight ? { value: weight } : {} },
    );
  },
};

/** Select(dim, index) picks one row and drops the dim: Gather with a scalar index. */
const select: OnnxMapping = {
  ops: ['Gather'],
  export(ctx) {
    const index = ctx.graph.constant(`${ctx.id}/index`, int64Tensor('', [], [ctx.params.index as number]));
    return single(ctx, 'Gather', { axis: int(ctx.params.dim as number) }, [index]);
  },
  import(ictx) {
    const [data, indices] = ictx.node.input;
    const index = ictx.constant(indices);
    if (ictx.initializer(data) || !index || index.dims.length !== 0) return null;
    return matchOf(ictx, 'Select', { dim: number(ictx, 'axis', 0), index: index.data[0] });
  },
};

/**
 * GELU as PyTorch's exporter writes it at opset 17: x/√2 → Erf → +1 → ·x → ·0.5. Matched from
 * its Div; any other use of the values in between leaves the ops to their own rules.
 */
function erfGelu(ictx: ImportContext): ImportMatch | null {
  const [x, divisor] = ictx.node.input;
  const near = (value: string | undefined, want: number) => {
    const c = value === undefined ? null : ictx.constant(value);
    return !!c && c.data.length === 1 && Math.abs(c.data[0] - want) < 1e-5;
  };
  const only = (value: string, op: string) => {
    const readers = ictx.consumers(value);
    return readers.length === 1 && readers[0].opType === op ? readers[0] : null;
  };
  const other = (n: NodeProto, value: string) => n.input.find((i) => i !== value);
  if (!near(divisor, Math.SQRT2)) return null;
  const erf = only(ictx.node.output[0], 'Erf');
  const plusOne = erf && only(erf.output[0], 'Add');
  if (!erf || !plusOne || !near(other(plusOne, erf.output[0]), 1)) return null;
  const timesX = only(plusOne.output[0], 'Mul');
  if (!timesX || other(timesX, plusOne.output[0]) !== x) return null;
  const half = only(timesX.output[0], 'Mul');
  if (!half || !near(other(half, timesX.output[0]), 0.5)) return null;
  return matchOf(
    ictx,
    'GELU',
    { approximate: 'none' },
    { outputs: [half.output[0]], consumed: [erf, plusOne, timesX, half] },
  );
}

/** Every node type ONNX export writes, keyed by type; the order is import's order of preference. */
export const ONNX_MAPPINGS: Readonly<Record<string, OnnxMapping>> = {
  Linear: linear,
  Conv2d: conv('Conv2d', 2),
  Conv1d: conv('Conv1d', 1),
  ConvTranspose2d: convTranspose,
  BatchNorm2d: batchNorm('BatchNorm2d', [4]),
  BatchNorm1d: batchNorm('BatchNorm1d', [2, 3]),
  LayerNorm: layerNorm,
  GroupNorm: viaFunction(
    'GroupNorm',
    { ports: ['input'], outputs: ['output'], weights: ['weight', 'bias'] },
    groupNormBody,
  ),
  ReLU: plain('ReLU', 'Relu'),
  Sigmoid: plain('Sigmoid', 'Sigmoid'),
  Tanh: plain('Tanh', 'Tanh'),
  LeakyReLU: alpha('LeakyReLU', 'LeakyRelu', 'negative_slope'),
  ELU: alpha('ELU', 'Elu', 'alpha'),
  GELU: {
    ...viaFunction('GELU', { ports: ['input'], outputs: ['output'], weights: [] }, geluBody),
    ops: ['GELU', 'Div'],
    import: erfGelu,
  },
  SiLU: viaFunction('SiLU', { ports: ['input'], outputs: ['output'], weights: [] }, siluBody),
  Softmax: softmax('Softmax'),
  LogSoftmax: softmax('LogSoftmax'),
  MaxPool2d: maxPool,
  AvgPool2d: avgPool,
  AdaptiveAvgPool2d: adaptiveAvgPool,
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Permute: permute,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Add: binary('Add', 'Add'),
  Sub: binary('Sub', 'Sub'),
  Mul: binary('Mul', 'Mul'),
  Div: binary('Div', 'Div'),
  MatMul: binary('MatMul', 'MatMul'),
  Maximum: binary('Maximum', 'Max'),
  Exp: plain('Exp', 'Exp'),
  Log: plain('Log', 'Log'),
  Pow: {
    ops: ['Pow'],
    export: (ctx) =>
      single(ctx, 'Pow', {}, [ctx.graph.constantScalar(`${ctx.id}/exponent`, ctx.params.exponent as number)]),
    import(ictx) {
      const exponent = ictx.constant(ictx.node.input[1]);
      if (exponent?.data.length !== 1) return 'Pow with a computed or non-scalar exponent';
      return matchOf(ictx, 'Pow', { exponent: fromFloat32(exponent.data[0]) });
    },
  },
  Sum: reduction('Sum', 'ReduceSum'),
  Max: reduction('Max', 'ReduceMax'),
  Select: select,
  Dropout: dropout,
  Tensor: fixedTensor,
  Identity: plain('Identity', 'Identity'),
  Embedding: embedding,
  MultiHeadAttention: viaFunction(
    'MultiHeadAttention',
    {
      ports: ['query', 'key', 'value', 'key_padding_mask'],
      outputs: ['output', 'attn_weights'],
      weights: ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'],
    },
    multiHeadAttentionBody,
  ),
  RNN: viaFunction(
    'RNN',
    { ports: ['input', 'h0'], outputs: ['output', 'h_n'], weights: recurrentWeights },
    recurrentBody('RNN'),
  ),
  LSTM: viaFunction(
    'LSTM',
    { ports: ['input', 'h0', 'c0'], outputs: ['output', 'h_n', 'c_n'], weights: recurrentWeights },
    recurrentBody('LSTM'),
  ),
  GRU: viaFunction(
    'GRU',
    { ports: ['input', 'h0'], outputs: ['output', 'h_n'], weights: recurrentWeights },
    recurrentBody('GRU'),
  ),
  ScaledDotProductAttention: viaFunction(
    'ScaledDotProductAttention',
    { ports: ['q', 'k', 'v', 'key_padding_mask'], outputs: ['output'], weights: [] },
    scaledDotProductAttentionBody,
  ),
  AdditiveAttention: viaFunction(
    'AdditiveAttention',
    {
      ports: ['queries', 'keys', 'values', 'key_padding_mask'],
      outputs: ['output', 'attention_weights'],
      weights: ['W_q.weight', 'W_k.weight', 'w_v.weight'],
    },
    additiveAttentionBody,
  ),
  ClassToken: viaFunction(
    'ClassToken',
    { ports: ['input'], outputs: ['output'], weights: ['cls_token'] },
    classTokenBody,
  ),
  PositionalEncoding: viaFunction(
    'PositionalEncoding',
    { ports: ['input'], outputs: ['output'], weights: ['pos_embedding'] },
    positionalEncodingBody,
  ),
  PatchEmbedding: viaFunction(
    'PatchEmbedding',
    { ports: ['input'], outputs: ['output'], weights: ['conv.weight', 'conv.bias'] },
    patchEmbeddingBody,
  ),
};

/** Node types the ONNX export writes. */
export const onnxExportableTypes: readonly string[] = Object.keys(ONNX_MAPPINGS);

/** Read one ONNX node with the table: the first rule that applies (`hint`'s first), or why none does. */
export function importNode(
  ictx: ImportContext,
  catalog: Catalog,
  hint?: string,
): ImportMatch | string | null {
  const called = importFunctionCall(ictx, catalog);
  if (called) return called;
  let reason: string | null = null;
  // the type the exporter recorded for this node goes first; the table's order decides the rest
  const hinted = hint && ONNX_MAPPINGS[hint] ? [ONNX_MAPPINGS[hint]] : [];
  for (const mapping of [...hinted, ...Object.values(ONNX_MAPPINGS)]) {
    const standard = !ictx.node.domain || ictx.node.domain === 'ai.onnx';
    if (!mapping.import || !mapping.ops.includes(ictx.node.opType) || !standard) continue;
    const result = mapping.import(ictx);
    if (result && typeof result !== 'string') return result;
    reason ??= result;
  }
  return reason;
}
