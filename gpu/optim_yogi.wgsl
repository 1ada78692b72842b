// Yogi's per-element step in place (mirror of yogiKernel in src/engine/runtime/optimizers/yogi.ts,
// D2L §12.10): v ← β₁v + (1−β₁)g; s ← s + (1−β₂)·sign(g² − s)·g²;
// p −= lr·(v/(1−β₁ᵗ)) / (√(s/(1−β₂ᵗ)) + ε). WGSL's sign(0) is 0, as torch.sign.
//#include optim_common

// [count, lr, β₁, β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε, flags: none (0)]
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> s: array<f32>;

fn update(i: u32) {
  let lr = scalar(1u);
  let beta1 = scalar(2u);
  let beta2 = scalar(3u);
  let bc1 = scalar(4u);
  let bc2 = scalar(5u);
  let eps = scalar(6u);
  let gi = g[i];
  let g2 = gi * gi;
  let m = beta1 * v[i] + (1.0 - beta1) * gi;
  let sq = s[i] + (1.0 - beta2) * sign(g2 - s[i]) * g2;
  v[i] = m;
  s[i] = sq;
  p[i] -= lr * (m / bc1) / (sqrt(sq / bc2) + eps);
}
