// Adadelta's per-element step in place (mirror of adadeltaKernel in
// src/engine/runtime/optimizers/adadelta.ts), eps inside both roots: d = g (+ wd·p);
// v ← ρv + (1−ρ)d²; Δ = √(u + ε)/√(v + ε)·d; u ← ρu + (1−ρ)Δ²; p −= lr·Δ.
//#include math

// [count, lr, ρ, ε, weight_decay, flags: 1 maximize]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> square_avg: array<f32>;
@group(0) @binding(4) var<storage, read_write> acc_delta: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let lr = bitcast<f32>(params[1]);
  let rho = bitcast<f32>(params[2]);
  let eps = bitcast<f32>(params[3]);
  let weight_decay = bitcast<f32>(params[4]);
  var d = select(g[i], -g[i], (params[5] & 1u) != 0u);
  if (weight_decay != 0.0) { d += weight_decay * p[i]; }
  let v = rho * square_avg[i] + (1.0 - rho) * d * d;
  square_avg[i] = v;
  let delta = sqrt(acc_delta[i] + eps) / sqrt(v + eps) * d;
  acc_delta[i] = rho * acc_delta[i] + (1.0 - rho) * delta * delta;
  p[i] -= lr * delta;
}
