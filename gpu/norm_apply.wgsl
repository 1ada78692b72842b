// y = (x − mean[q])·invstd[q]·weight[c] + bias[c] on a norm's [P, Q, R] view, c the affine
// channel of (q, r) (see norm_affine). Mean and invstd are read with a stride and offset, so
// they come from norm_stats (5 per q) or from batch_norm's running statistics alike.
//#include math
//#include norm_affine

// [P·Q·R, Q, R, mean_stride, mean_offset, invstd_stride, invstd_offset,
//  groups, group_channels, channel_size, has_weight, has_bias]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> means: array<f32>;
@group(0) @binding(3) var<storage, read> invstds: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let R = params[2];
  let r = i % R;
  let q = (i / R) % params[1];
  let v = (x[i] - means[q * params[3] + params[4]]) * invstds[q * params[5] + params[6]];
  let scaled = v * gamma(q, r, params[7], params[8], params[9], params[10]);
  let c = channel_of(q, r, params[7], params[8], params[9]);
  y[i] = select(scaled, scaled + bias[c], params[11] == 1u);
}
