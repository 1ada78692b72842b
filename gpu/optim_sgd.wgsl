// SGD's per-element step in place (mirror of sgdKernel in src/engine/runtime/optimizers/sgd.ts):
// d = g + wd·p; with momentum b = first ? d : μ·b + (1−τ)·d, d = nesterov ? d + μ·b : b; p −= lr·d.
// MOMENTUM (0/1) says whether the buffer is bound: plain SGD binds the parameter alone.
//#include math

// [count, lr, momentum, dampening, weight_decay, flags: 1 nesterov, 2 maximize, 4 first step]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;
#if MOMENTUM @group(0) @binding(3) var<storage, read_write> buf: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let lr = bitcast<f32>(params[1]);
  let momentum = bitcast<f32>(params[2]);
  let dampening = bitcast<f32>(params[3]);
  let weight_decay = bitcast<f32>(params[4]);
  let flags = params[5];
  var d = select(g[i], -g[i], (flags & 2u) != 0u);
  if (weight_decay != 0.0) { d += weight_decay * p[i]; }
#if MOMENTUM   let b = select(momentum * buf[i] + (1.0 - dampening) * d, d, (flags & 4u) != 0u);
#if MOMENTUM   buf[i] = b;
#if MOMENTUM   d = select(b, d + momentum * b, (flags & 1u) != 0u);
  p[i] -= lr * d;
}
