/**
 * The op registry: every engine op, one declaration each (one file per op). The table is
 * typed, so an op used by name that is not here is a compile error. Each group is kept by
 * one owner; add new ops inside your group.
 */
import type { OpDef } from '../op.ts';
import { add } from './add.ts';
import { div } from './div.ts';
import { expand } from './expand.ts';
import { matmul } from './matmul.ts';
import { compare_mask, maximum } from './maximum.ts';
import { mul } from './mul.ts';
import { neg } from './neg.ts';
import { permute } from './permute.ts';
import { reshape } from './reshape.ts';
import { sub } from './sub.ts';
import { sum_to } from './sum_to.ts';
import { transpose } from './transpose.ts';
// @group elementwise-imports
// @group reduce-movement-imports
// @group linear-conv-pool-imports
// @group norm-attention-recurrent-imports
import { batch_norm } from './batch_norm.ts';
import { embedding } from './embedding.ts';
import { embedding_backward } from './embedding_backward.ts';
import { group_norm } from './group_norm.ts';
import { layer_norm } from './layer_norm.ts';
import { norm_moments } from './norm_moments.ts';
// @group loss-imports

export const opRegistry = {
  add,
  sub,
  mul,
  div,
  neg,
  maximum,
  compare_mask,
  matmul,
  reshape,
  permute,
  transpose,
  expand,
  sum_to,
  // @group elementwise
  // @group reduce-movement
  // @group linear-conv-pool
  // @group norm-attention-recurrent
  batch_norm,
  layer_norm,
  group_norm,
  norm_moments,
  embedding,
  embedding_backward,
  // @group loss
} satisfies Record<string, OpDef<any>>;

export type OpName = keyof typeof opRegistry;
export type AttrsOf<K extends OpName> = (typeof opRegistry)[K] extends OpDef<infer A> ? A : never;
