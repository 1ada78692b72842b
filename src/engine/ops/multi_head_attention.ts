import { scalarLike } from '../create.ts';
import { run } from '../dispatch.ts';
import { AttrError, DTypeError, ShapeError } from '../errors.ts';
import { add, matmul, mul, reshape, transpose } from '../functional.ts';
import { defineOp, type OpDef } from '../op.ts';
import { sameShape } from '../shape.ts';
import { floatTypeOf, isFloat, type Shape, type Tensor, type TensorMeta } from '../tensor.ts';
import { attentionWeights } from './_attention.ts';

export interface MultiHeadAttentionAttrs {
  num_heads: number;
  causal: boolean;
  /** whether in_proj_bias and out_proj_bias are given */
  bias: boolean;
}

const OP = 'multi_head_attention';
const INPUTS = [
  'query',
  'key',
  'value',
  'in_proj_weight',
  'in_proj_bias',
  'out_proj_weight',
  'out_proj_bias',
  'attn_mask',
];
const torchSize = (s: Shape) => `torch.Size([${s.join(', ')}])`;
const list = (s: Shape) => `[${s.join(', ')}]`;

/** The parameter shapes nn.MultiheadAttention(E, H) has, by input index. */
function parameterShapes(E: number): [number, string, number[]][] {
  return [
    [3, 'in_proj_weight', [3 * E, E]],
    [4, 'in_proj_bias', [3 * E]],
    [5, 'out_proj_weight', [E, E]],
    [6, 'out_proj_bias', [E]],
  ];
}

function checkShapes(metas: (TensorMeta | null)[], { num_heads, causal, bias }: MultiHeadAttentionAttrs) {
  const [query, key, value, inProj] = metas;
  const bad = metas.findIndex((m) => m && !isFloat(m.dtype));
  if (bad >= 0)
    return new DTypeError(
      OP,
      `${INPUTS[bad]} must be a float32 or float64 tensor, got ${metas[bad]!.dtype}`,
      bad,
    );
  if (!Number.isInteger(num_heads) || num_heads < 1) {
    return new AttrError(OP, 'num_heads', `must be a positive integer, got ${num_heads}`);
  }
  if (typeof causal !== 'boolean') return new AttrError(OP, 'causal', `must be a boolean, got ${causal}`);
  if (typeof bias !== 'boolean') return new AttrError(OP, 'bias', `must be a boolean, got ${bias}`);
  if (query!.shape.length !== 3) {
    // batch_first=True only; PyTorch's words, which also allow an unbatched 2-D query
    return new ShapeError(
      OP,
      `query should be batched 3D tensor [B, L, E] but received ${query!.shape.length}-D query tensor`,
    );
  }
  if (key!.shape.length !== 3 || value!.shape.length !== 3) {
    return new ShapeError(
      OP,
      `For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${key!.shape.length}-D and ${value!.shape.length}-D tensors respectively`,
    );
  }
  const E = query!.shape[2];
  if (inProj!.shape.length === 2 && inProj!.shape[1] !== E) {
    return new ShapeError(OP, `was expecting embedding dimension of ${inProj!.shape[1]}, but got ${E}`, [
      { input: 0, dim: 2 },
    ]);
  }
  if (E % num_heads !== 0) {
    return new AttrError(
      OP,
      'num_heads',
      `embed_dim must be divisible by num_heads (embed_dim ${E}, num_heads ${num_heads})`,
    );
  }
  if (!sameShape(key!.shape, value!.shape)) {
    return new ShapeError(
      OP,
      `key shape ${torchSize(key!.shape)} does not match value shape ${torchSize(value!.shape)}`,
      [
        { input: 1, dim: 0 },
        { input: 2, dim: 0 },
      ],
    );
  }
  if (key!.shape[0] !== query!.shape[0] || key!.shape[2] !== E) {
    return new ShapeError(
      OP,
      `${OP}: key ${list(key!.shape)} must be [${query!.shape[0]}, S, ${E}] for query ${list(query!.shape)}`,
      [{ input: 1, dim: 0 }],
    );
  }
  const maskError = checkAttnMask(metas[7], query!.shape[0] * num_heads, query!.shape[1], key!.shape[1]);
  if (maskError) return maskError;
  for (const [i, name, want] of parameterShapes(E)) {
    const isBias = name.endsWith('bias');
    if (isBias && !bias) {
      if (metas[i]) return new AttrError(OP, 'bias', `is false, but ${name} was given`);
      continue;
    }
    if (!metas[i]) return new AttrError(OP, 'bias', `is true, so ${name} is required`);
    if (!sameShape(metas[i]!.shape, want)) {
      return new ShapeError(
        OP,
        `${OP}: ${name} must be ${list(want)} for embed_dim ${E}, got ${list(metas[i]!.shape)}`,
        [{ input: i, dim: 0 }],
      );
    }
  }
  return null;
}

/** PyTorch's checks on a float attn_mask (added to the scores): [L, S] or [B·H, L, S]. */
function checkAttnMask(mask: TensorMeta | null | undefined, batchHeads: number, L: number, S: number) {
  if (!mask) return null;
  if (mask.shape.length !== 2 && mask.shape.length !== 3) {
    return new ShapeError(OP, `attn_mask's dimension ${mask.shape.length} is not supported`, [
      { input: 7, dim: 0 },
    ]);
  }
  const want = mask.shape.length === 2 ? [L, S] : [batchHeads, L, S];
  if (!sameShape(mask.shape, want)) {
    return new ShapeError(
      OP,
      `The shape of the ${mask.shape.length}D attn_mask is ${torchSize(mask.shape)}, but should be (${want.join(', ')}).`,
      [{ input: 7, dim: 0 }],
    );
  }
  return null;
}

/** [B, L, E] → [B, H, L, E/H]: head h takes features h·E/H … (h+1)·E/H. */
function splitHeads(x: Tensor, heads: number): Tensor {
  const [B, L, E] = x.shape;
  return transpose(reshape(x, [B, L, heads, E / heads]), 1, 2);
}

/** x·Wᵀ (+ b), with W and b the rows [start, start+E) of a stacked projection. */
function project(x: Tensor, weight: Tensor, bias: Tensor | null, start: number, E: number): Tensor {
  const w = run('narrow', [weight], { dim: 0, start, length: E });
  const y = matmul(x, transpose(w, 0, 1));
  return bias ? add(y, run('narrow', [bias], { dim: 0, start, length: E })) : y;
}

/**
 * nn.MultiheadAttention(batch_first=True, dropout=0) forward: project q, k, v with the rows
 * W_q; W_k; W_v of in_proj_weight, attend per head with scale 1/√(E/H), merge the heads,
 * project out. Optional `attn_mask` (additive, [L, S] or [B·H, L, S]) joins `causal`.
 * Second output `attn_weights` [B, L, S]: the weights averaged over heads.
 */
export const multi_head_attention: OpDef<MultiHeadAttentionAttrs> = defineOp<MultiHeadAttentionAttrs>({
  name: OP,
  kind: 'attention',
  inputs: [
    { name: 'query' },
    { name: 'key' },
    { name: 'value' },
    { name: 'in_proj_weight' },
    { name: 'in_proj_bias', optional: true },
    { name: 'out_proj_weight' },
    { name: 'out_proj_bias', optional: true },
    { name: 'attn_mask', optional: true, noGrad: true },
  ],
  outputs: ['output', 'attn_weights'],
  defaults: { causal: false, bias: true },
  shape(metas, attrs) {
    const error = checkShapes(metas, attrs);
    if (error) return error;
    const [B, L, E] = metas[0]!.shape;
    const S = metas[1]!.shape[1];
    const dtype = floatTypeOf(...metas);
    return [
      { shape: [B, L, E], dtype },
      { shape: [B, L, S], dtype },
    ];
  },
  composite(
    [query, key, value, inProjWeight, inProjBias, outProjWeight, outProjBias, attnMask],
    { num_heads, causal },
  ) {
    const [B, L, E] = query!.shape;
    const heads = (x: Tensor, part: number) =>
      splitHeads(project(x, inProjWeight!, inProjBias, part * E, E), num_heads);
    const [q, k, v] = [heads(query!, 0), heads(key!, 1), heads(value!, 2)];
    // a 2-D mask broadcasts over batch and heads; a 3-D one is [B·H, L, S], batch-major
    const mask = attnMask?.rank === 3 ? reshape(attnMask, [B, num_heads, L, k.shape[2]]) : attnMask;
    const weights = attentionWeights(q, k, { scale: 1 / Math.sqrt(E / num_heads), causal, mask });
    const merged = reshape(transpose(matmul(weights, v), 1, 2), [B, L, E]);
    const projected = matmul(merged, transpose(outProjWeight!, 0, 1));
    const output = outProjBias ? add(projected, outProjBias) : projected;
    const averaged = mul(run('sum', [weights], { dim: 1 }), scalarLike(1 / num_heads, weights));
    return [output, averaged];
  },
  formula:
    'per head: P = softmax(Q_h·K_hᵀ/√d), Y_h = P·V_h; out = concat(Y_h)·W_oᵀ + b_o (gradients through the projections and softmax)',
});
