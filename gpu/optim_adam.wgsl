// Adam/AdamW's per-element step in place (mirror of adamKernel in
// src/engine/runtime/optimizers/adam.ts): p ← decay·p; d = g (+ wd·p); m ← β₁m + (1−β₁)d;
// v ← β₂v + (1−β₂)d²; with AMSGRAD v ← max(v_max, v); p −= step_size·m / (√v/√(1−β₂ᵗ) + ε).
//#include math

// [count, β₁, β₂, step_size, √(1−β₂ᵗ), ε, weight_decay, decay, flags: 1 maximize]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(4) var<storage, read_write> exp_avg_sq: array<f32>;
#if AMSGRAD @group(0) @binding(5) var<storage, read_write> max_exp_avg_sq: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let beta1 = bitcast<f32>(params[1]);
  let beta2 = bitcast<f32>(params[2]);
  let step_size = bitcast<f32>(params[3]);
  let bc2_sqrt = bitcast<f32>(params[4]);
  let eps = bitcast<f32>(params[5]);
  let weight_decay = bitcast<f32>(params[6]);
  let decay = bitcast<f32>(params[7]);
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
