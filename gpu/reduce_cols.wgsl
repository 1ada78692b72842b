// One invocation per output, folding its reduced elements in a loop. For short reductions
// over many outputs (a bias gradient summed over a small batch, a max over a few classes).
//#include math
//#include reduce_common

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let o = linear_index(wid, nwg, lid, 256u);
  if (o >= params[0]) { return; }
  let base = kept_offset(o);
  var acc = identity();
  for (var r = 0u; r < params[1]; r++) {
    acc = combine(acc, xs[base + reduced_offset(r)]);
  }
  ys[o] = finish(acc);
}
