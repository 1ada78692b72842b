// The gradient of a reflect/replicate/circular pad along one dim: each input index sums the
// padded positions that copied it. Padding is separable, so the backward runs one dim at a
// time; this is one such pass (gather form, no atomics).
//#include math
//#include pad_common

// [count, rank, dim, mode, n, lo, padded, out_shape[r], g_strides[r]]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let o = linear_index(wid, nwg, lid, 256u);
  if (o >= params[0]) { return; }
  let rank = params[1];
  let dim = params[2];
  var rest = o;
  var base = 0u;
  var i = 0;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let size = params[7u + k];
    let c = rest % size;
    rest = rest / size;
    if (k == dim) { i = i32(c); } else { base += c * params[7u + rank + k]; }
  }
  let stride = params[7u + rank + dim];
  let n = i32(params[4]);
  let lo = bitcast<i32>(params[5]);
  var total = 0.0;
  for (var j = 0u; j < params[6]; j++) {
    if (pad_source(i32(j), n, lo, params[3]) == i) { total += g[base + j * stride]; }
  }
  dx[o] = total;
}
