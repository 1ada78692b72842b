// The input gradient of a norm from its statistics (norm_stats with BACKWARD = 1):
// dx = invstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, and dy·x̂, which summed per
// channel is the weight gradient.
//#include math
//#include norm_affine

// [P·Q·R, Q, R, groups, group_channels, channel_size, has_weight]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> dy_xhat: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let R = params[2];
  let r = i % R;
  let q = (i / R) % params[1];
  let s = q * 5u;
  let xh = (x[i] - stats[s]) * stats[s + 2u];
  let g = dy[i] * gamma(q, r, params[3], params[4], params[5], params[6]);
  dx[i] = stats[s + 2u] * (g - stats[s + 3u] - xh * stats[s + 4u]);
  dy_xhat[i] = dy[i] * xh;
}
