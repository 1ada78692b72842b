// dW[v, d] = Σ_{i: ids[i] = v} dY[i, d], gathered per table entry (no float atomics in
// WGSL); the padding row stays zero.
//#include math
//#include value_error

// [V·D, D, N, padding row (i32 bits; −1 for none), error code]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let o = linear_index(wid, nwg, lid, 256u);
  if (o >= params[0]) { return; }
  let D = params[1];
  let v = i32(o / D);
  let d = o % D;
  var total = 0.0;
  let V = params[0] / D;
  for (var i = 0u; i < params[2]; i++) {
    let id = ids[i];
    if (id == v && v != bitcast<i32>(params[3])) { total += grad[i * D + d]; }
    if (o == 0u && (id < 0 || id >= i32(V))) { report_value_error(params[4], id, V); }
  }
  dw[o] = total;
}
