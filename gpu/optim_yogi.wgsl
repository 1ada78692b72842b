// Yogi's per-element step in place (mirror of yogiKernel in src/engine/runtime/optimizers/yogi.ts,
// D2L §12.10): v ← β₁v + (1−β₁)g; s ← s + (1−β₂)·sign(g² − s)·g²;
// p −= lr·(v/(1−β₁ᵗ)) / (√(s/(1−β₂ᵗ)) + ε). WGSL's sign(0) is 0, as torch.sign.
//#include math

// [count, lr, β₁, β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε, flags: none (0)]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> s: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let lr = bitcast<f32>(params[1]);
  let beta1 = bitcast<f32>(params[2]);
  let beta2 = bitcast<f32>(params[3]);
  let bc1 = bitcast<f32>(params[4]);
  let bc2 = bitcast<f32>(params[5]);
  let eps = bitcast<f32>(params[6]);
  let gi = g[i];
  let g2 = gi * gi;
  let m = beta1 * v[i] + (1.0 - beta1) * gi;
  let sq = s[i] + (1.0 - beta2) * sign(g2 - s[i]) * g2;
  v[i] = m;
  s[i] = sq;
  p[i] -= lr * (m / bc1) / (sqrt(sq / bc2) + eps);
}
