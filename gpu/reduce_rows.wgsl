// One workgroup per (output, chunk): each invocation folds a strided share of the chunk's
// reduced elements, then a tree reduction in workgroup memory. For long reductions.
//#include math
//#include reduce_common

const WG = {{WG}}u;
var<workgroup> partial: array<T, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let group = wid.y * nwg.x + wid.x;
  let chunks = params[6];
  let o = group / chunks;
  let out_count = params[0];
  let start = (group % chunks) * params[5];
  let end = min(start + params[5], params[1]);
  var acc = identity();
  if (o < out_count) {
    let base = kept_offset(o);
    for (var r = start + lid; r < end; r += WG) {
      acc = combine(acc, xs[base + reduced_offset(r)]);
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (lid < half) {
      partial[lid] = combine(partial[lid], partial[lid + half]);
    }
    workgroupBarrier();
  }
  if (lid == 0u && o < out_count) {
    ys[group] = finish(partial[0]);
  }
}
