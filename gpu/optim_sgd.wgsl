// SGD's per-element step in place (mirror of sgdKernel in src/engine/runtime/optimizers/sgd.ts):
// d = g + wd·p; with momentum b = first ? d : μ·b + (1−τ)·d, d = nesterov ? d + μ·b : b; p −= lr·d.
// MOMENTUM (0/1) says whether the buffer is bound: plain SGD binds the parameter alone.
//#include optim_common

// [count, lr, momentum, dampening, weight_decay, flags: 1 nesterov, 2 maximize, 4 first step]
#if MOMENTUM @group(0) @binding(3) var<storage, read_write> buf: array<f32>;

fn update(i: u32) {
  let lr = scalar(1u);
  let momentum = scalar(2u);
  let dampening = scalar(3u);
  let weight_decay = scalar(4u);
  let flags = params[5];
  var d = select(g[i], -g[i], (flags & 2u) != 0u);
  if (weight_decay != 0.0) { d += weight_decay * p[i]; }
#if MOMENTUM   let b = select(momentum * buf[i] + (1.0 - dampening) * d, d, (flags & 4u) != 0u);
#if MOMENTUM   buf[i] = b;
#if MOMENTUM   d = select(b, d + momentum * b, (flags & 1u) != 0u);
  p[i] -= lr * d;
}
