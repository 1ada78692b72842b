// RAdam's per-element step in place (mirror of radamKernel in
// src/engine/runtime/optimizers/radam.ts): d = g (+ wd·p); m ← β₁m + (1−β₁)d; v ← β₂v + (1−β₂)d²;
// rectified: p −= step_size·m·scale / (√v + ε), else p −= step_size·m. Whether step t is
// rectified (ρ_t > 5) and its scale r_t·√(1−β₂ᵗ) are decided on the host.
//#include optim_common

// [count, β₁, β₂, step_size, scale, ε, weight_decay, flags: 1 rectified]
@group(0) @binding(3) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(4) var<storage, read_write> exp_avg_sq: array<f32>;

fn update(i: u32) {
  let beta1 = scalar(1u);
  let beta2 = scalar(2u);
  let step_size = scalar(3u);
  let adaptive_scale = scalar(4u);
  let eps = scalar(5u);
  let weight_decay = scalar(6u);
  var d = g[i];
  if (weight_decay != 0.0) { d += weight_decay * p[i]; }
  let m = beta1 * exp_avg[i] + (1.0 - beta1) * d;
  let v = beta2 * exp_avg_sq[i] + (1.0 - beta2) * d * d;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  if ((params[7] & 1u) != 0u) {
    p[i] -= step_size * m * adaptive_scale / (sqrt(v) + eps);
  } else {
    p[i] -= step_size * m;
  }
}
