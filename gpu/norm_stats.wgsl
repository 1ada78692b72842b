// Statistics of batch_norm / layer_norm / group_norm on their [P, Q, R] view: one workgroup
// per q reduces over its P·R elements x[(p·Q + q)·R + r]. Two passes (mean, then the
// variance around it: no Σx² − (Σx)² cancellation). With BACKWARD = 1 it also takes
// mean(g) and mean(g·x̂), g = dy·γ, for the input gradient. Writes 5 numbers per q:
// mean, biased variance, 1/√(var + eps), mean(g), mean(g·x̂).
//#include math
//#include norm_affine

// [P, Q, R, eps bits, groups, group_channels, channel_size, has_weight]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;

const WG = 256u;
var<workgroup> red: array<f32, WG>;

fn workgroup_sum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (lid < half) { red[lid] += red[lid + half]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}

fn at(k: u32, q: u32) -> u32 {
  let R = params[2];
  return ((k / R) * params[1] + q) * R + k % R;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let q = wid.y * nwg.x + wid.x;
  if (q >= params[1]) { return; }
  let n = params[0] * params[2];
  let count = f32(n);
  var s = 0.0;
  for (var k = lid; k < n; k += WG) { s += x[at(k, q)]; }
  let mean = workgroup_sum(s, lid) / count;
  s = 0.0;
  for (var k = lid; k < n; k += WG) {
    let d = x[at(k, q)] - mean;
    s += d * d;
  }
  let variance = workgroup_sum(s, lid) / count;
  let invstd = 1.0 / sqrt(variance + bitcast<f32>(params[3]));
  var mean_g = 0.0;
  var mean_gx = 0.0;
  if ({{BACKWARD}} == 1) {
    var sg = 0.0;
    var sgx = 0.0;
    for (var k = lid; k < n; k += WG) {
      let i = at(k, q);
      let g = dy[i] * gamma(q, k % params[2], params[4], params[5], params[6], params[7]);
      sg += g;
      sgx += g * (x[i] - mean) * invstd;
    }
    mean_g = workgroup_sum(sg, lid) / count;
    mean_gx = workgroup_sum(sgx, lid) / count;
  }
  if (lid == 0u) {
    stats[q * 5u] = mean;
    stats[q * 5u + 1u] = variance;
    stats[q * 5u + 2u] = invstd;
    stats[q * 5u + 3u] = mean_g;
    stats[q * 5u + 4u] = mean_gx;
  }
}
