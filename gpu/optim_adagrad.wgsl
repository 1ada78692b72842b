// Adagrad's per-element step in place (mirror of adagradKernel in
// src/engine/runtime/optimizers/adagrad.ts): d = g (+ wd·p); s ← s + d²; p −= clr·d / (√s + ε),
// with clr = lr / (1 + (t−1)·lr_decay) from the host.
//#include math

// [count, clr, ε, weight_decay, flags: 1 maximize]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> sum: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let clr = bitcast<f32>(params[1]);
  let eps = bitcast<f32>(params[2]);
  let weight_decay = bitcast<f32>(params[3]);
  var d = select(g[i], -g[i], (params[4] & 1u) != 0u);
  if (weight_decay != 0.0) { d += weight_decay * p[i]; }
  let s = sum[i] + d * d;
  sum[i] = s;
  p[i] -= clr * d / (sqrt(s) + eps);
}
