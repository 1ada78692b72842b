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
import { cast } from './cast.ts';
import { abs } from './abs.ts';
import { dropout } from './dropout.ts';
import { elu, elu_backward } from './elu.ts';
import { exp } from './exp.ts';
import { gelu, gelu_backward } from './gelu.ts';
import { leaky_relu, leaky_relu_backward } from './leaky_relu.ts';
import { log } from './log.ts';
import { positive_mask } from './positive_mask.ts';
import { pow } from './pow.ts';
import { relu, relu_backward } from './relu.ts';
import { sigmoid } from './sigmoid.ts';
import { sign } from './sign.ts';
import { silu, silu_backward } from './silu.ts';
import { sqrt } from './sqrt.ts';
import { tanh } from './tanh.ts';
// @group reduce-movement-imports
import { concat } from './concat.ts';
import { equal_mask } from './equal_mask.ts';
import { log_softmax } from './log_softmax.ts';
import { max } from './max.ts';
import { mean } from './mean.ts';
import { narrow } from './narrow.ts';
import { pad, pad_backward } from './pad.ts';
import { slice, slice_backward } from './slice.ts';
import { softmax } from './softmax.ts';
import { stack } from './stack.ts';
import { sum } from './sum.ts';
// @group linear-conv-pool-imports
import { adaptive_avg_pool2d } from './adaptive_avg_pool2d.ts';
import { adaptive_avg_pool2d_backward } from './adaptive_avg_pool2d_backward.ts';
import { avg_pool2d } from './avg_pool2d.ts';
import { avg_pool2d_backward } from './avg_pool2d_backward.ts';
import { conv1d } from './conv1d.ts';
import { conv2d } from './conv2d.ts';
import { conv2d_backward_weight } from './conv2d_backward_weight.ts';
import { conv_transpose2d } from './conv_transpose2d.ts';
import { linear } from './linear.ts';
import { linear_backward_weight } from './linear_backward_weight.ts';
import { max_pool2d } from './max_pool2d.ts';
import { max_pool2d_backward } from './max_pool2d_backward.ts';
// @group norm-attention-recurrent-imports
import { batch_norm } from './batch_norm.ts';
import { embedding } from './embedding.ts';
import { embedding_backward } from './embedding_backward.ts';
import { group_norm } from './group_norm.ts';
import { gru_cell } from './gru_cell.ts';
import { layer_norm } from './layer_norm.ts';
import { lstm_cell } from './lstm_cell.ts';
import { multi_head_attention } from './multi_head_attention.ts';
import { norm_backward } from './norm_backward.ts';
import { rnn } from './rnn.ts';
import { scaled_dot_product_attention } from './scaled_dot_product_attention.ts';
// @group loss-imports
import { binary_cross_entropy, binary_cross_entropy_backward } from './binary_cross_entropy.ts';
import {
  binary_cross_entropy_with_logits,
  binary_cross_entropy_with_logits_backward,
} from './binary_cross_entropy_with_logits.ts';
import { cross_entropy, cross_entropy_backward } from './cross_entropy.ts';
import { huber_loss, huber_loss_backward } from './huber_loss.ts';
import { kl_div, kl_div_backward } from './kl_div.ts';
import { l1_loss, l1_loss_backward } from './l1_loss.ts';
import { mse_loss, mse_loss_backward } from './mse_loss.ts';
import { nll_loss, nll_loss_backward } from './nll_loss.ts';
import { smooth_l1_loss, smooth_l1_loss_backward } from './smooth_l1_loss.ts';
// @group fusion-imports
import { linear_act } from './linear_act.ts';

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
  cast,
  exp,
  log,
  sqrt,
  abs,
  sign,
  pow,
  relu,
  relu_backward,
  positive_mask,
  leaky_relu,
  leaky_relu_backward,
  sigmoid,
  tanh,
  silu,
  silu_backward,
  elu,
  elu_backward,
  gelu,
  gelu_backward,
  dropout,
  // @group reduce-movement
  sum,
  mean,
  max,
  equal_mask,
  softmax,
  log_softmax,
  concat,
  stack,
  narrow,
  slice,
  slice_backward,
  pad,
  pad_backward,
  // @group linear-conv-pool
  linear,
  linear_backward_weight,
  conv1d,
  conv2d,
  conv2d_backward_weight,
  conv_transpose2d,
  max_pool2d,
  max_pool2d_backward,
  avg_pool2d,
  avg_pool2d_backward,
  adaptive_avg_pool2d,
  adaptive_avg_pool2d_backward,
  // @group norm-attention-recurrent
  batch_norm,
  layer_norm,
  group_norm,
  norm_backward,
  embedding,
  embedding_backward,
  scaled_dot_product_attention,
  multi_head_attention,
  lstm_cell,
  gru_cell,
  rnn,
  // @group loss
  binary_cross_entropy,
  binary_cross_entropy_backward,
  binary_cross_entropy_with_logits,
  binary_cross_entropy_with_logits_backward,
  cross_entropy,
  cross_entropy_backward,
  huber_loss,
  huber_loss_backward,
  kl_div,
  kl_div_backward,
  l1_loss,
  l1_loss_backward,
  mse_loss,
  mse_loss_backward,
  nll_loss,
  nll_loss_backward,
  smooth_l1_loss,
  smooth_l1_loss_backward,
  // @group fusion
  linear_act,
} satisfies Record<string, OpDef<any>>;

export type OpName = keyof typeof opRegistry;
export type AttrsOf<K extends OpName> = (typeof opRegistry)[K] extends OpDef<infer A> ? A : never;
