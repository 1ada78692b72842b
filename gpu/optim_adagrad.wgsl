// Adagrad's per-element step in place (mirror of adagradKernel in
// src/engine/runtime/optimizers/adagrad.ts): d = g (+ wd·p); s ← s + d²; p −= clr·d / (√s + ε),
// with clr = lr / (1 + (t−1)·lr_decay) from the host.
//#include optim_common

// [count, clr, ε, weight_decay, flags: 1 maximize]
@group(0) @binding(3) var<storage, read_write> sum: array<f32>;

fn update(i: u32) {
  let clr = scalar(1u);
  let eps = scalar(2u);
  let weight_decay = scalar(3u);
  var d = select(g[i], -g[i], (params[4] & 1u) != 0u);
  if (weight_decay != 0.0) { d += weight_decay * p[i]; }
  let s = sum[i] + d * d;
  sum[i] = s;
  p[i] -= clr * d / (sqrt(s) + eps);
}
