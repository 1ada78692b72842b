// RMSprop's per-element step in place (mirror of rmspropKernel in
// src/engine/runtime/optimizers/rmsprop.ts): d = g (+ wd·p); v ← αv + (1−α)d²; with CENTERED
// m ← αm + (1−α)d and v̄ = v − m²; den = √v̄ + ε; with MOMENTUM b ← μb + d/den, p −= lr·b,
// else (PLAIN) p −= lr·d/den. The buffers bind in initState's order (square_avg, momentum, grad_avg),
// so grad_avg's binding is {{GRAD_AVG_BINDING}}: 4 alone, 5 after the momentum buffer.
//#include optim_common

// [count, lr, α, ε, weight_decay, μ, flags: 1 maximize]
@group(0) @binding(3) var<storage, read_write> square_avg: array<f32>;
#if MOMENTUM @group(0) @binding(4) var<storage, read_write> buf: array<f32>;
#if CENTERED @group(0) @binding({{GRAD_AVG_BINDING}}) var<storage, read_write> grad_avg: array<f32>;

fn update(i: u32) {
  let lr = scalar(1u);
  let alpha = scalar(2u);
  let eps = scalar(3u);
  let weight_decay = scalar(4u);
  let momentum = scalar(5u);
  var d = select(g[i], -g[i], (params[6] & 1u) != 0u);
  if (weight_decay != 0.0) { d += weight_decay * p[i]; }
  let v = alpha * square_avg[i] + (1.0 - alpha) * d * d;
  square_avg[i] = v;
  var centered_v = v;
#if CENTERED   let m = alpha * grad_avg[i] + (1.0 - alpha) * d;
#if CENTERED   grad_avg[i] = m;
#if CENTERED   centered_v = v - m * m;
  let denom = sqrt(centered_v) + eps;
#if MOMENTUM   let b = momentum * buf[i] + d / denom;
#if MOMENTUM   buf[i] = b;
#if MOMENTUM   p[i] -= lr * b;
#if PLAIN   p[i] -= lr * d / denom;
}
