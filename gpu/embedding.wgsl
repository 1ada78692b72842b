// out[i, d] = weight[ids[i], d]; an index outside the table is reported (see value_error).
//#include math
//#include value_error

// [count, D, V, error code]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let o = linear_index(wid, nwg, lid, 256u);
  if (o >= params[0]) { return; }
  let D = params[1];
  let id = ids[o / D];
  if (id < 0 || id >= i32(params[2])) {
    report_value_error(params[3], id, params[2]);
    out[o] = nan();
    return;
  }
  out[o] = weight[u32(id) * D + o % D];
}
