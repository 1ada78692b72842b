// Adam/AdamW's per-element step in place (mirror of adamKernel in
// src/engine/runtime/optimizers/adam.ts): p ← decay·p; d = g (+ wd·p); m ← β₁m + (1−β₁)d;
// v ← β₂v + (1−β₂)d²; with AMSGRAD v ← max(v_max, v); p −= step_size·m / (√v/√(1−β₂ᵗ) + ε).
//#include optim_common

// [count, β₁, β₂, step_size, √(1−β₂ᵗ), ε, weight_decay, decay, flags: 1 maximize]
@group(0) @binding(3) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(4) var<storage, read_write> exp_avg_sq: array<f32>;
#if AMSGRAD @group(0) @binding(5) var<storage, read_write> max_exp_avg_sq: array<f32>;

fn update(i: u32) {
  let beta1 = scalar(1u);
  let beta2 = scalar(2u);
  let step_size = scalar(3u);
  let bc2_sqrt = scalar(4u);
  let eps = scalar(5u);
  let weight_decay = scalar(6u);
  let decay = scalar(7u);
  var d = select(g[i], -g[i], (params[8] & 1u) != 0u);
  let pi = p[i] * decay;
  if (weight_decay != 0.0) { d += weight_decay * pi; }
  let m = beta1 * exp_avg[i] + (1.0 - beta1) * d;
  var v = beta2 * exp_avg_sq[i] + (1.0 - beta2) * d * d;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
#if AMSGRAD   v = max(max_exp_avg_sq[i], v);
#if AMSGRAD   max_exp_avg_sq[i] = v;
  p[i] = pi - step_size * m / (sqrt(v) / bc2_sqrt + eps);
}
