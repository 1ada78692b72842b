// Adadelta's per-element step in place (mirror of adadeltaKernel in
// src/engine/runtime/optimizers/adadelta.ts), eps inside both roots: d = g (+ wd·p);
// v ← ρv + (1−ρ)d²; Δ = √(u + ε)/√(v + ε)·d; u ← ρu + (1−ρ)Δ²; p −= lr·Δ.
//#include optim_common

// [count, lr, ρ, ε, weight_decay, flags: 1 maximize]
@group(0) @binding(3) var<storage, read_write> square_avg: array<f32>;
@group(0) @binding(4) var<storage, read_write> acc_delta: array<f32>;

fn update(i: u32) {
  let lr = scalar(1u);
  let rho = scalar(2u);
  let eps = scalar(3u);
  let weight_decay = scalar(4u);
  var d = select(g[i], -g[i], (params[5] & 1u) != 0u);
  if (weight_decay != 0.0) { d += weight_decay * p[i]; }
  let v = rho * square_avg[i] + (1.0 - rho) * d * d;
  square_avg[i] = v;
  let delta = sqrt(acc_delta[i] + eps) / sqrt(v + eps) * d;
  acc_delta[i] = rho * acc_delta[i] + (1.0 - rho) * delta * delta;
  p[i] -= lr * delta;
}
