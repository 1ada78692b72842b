// dW[ids[i], d] += dY[i, d] for every (i, d): the scatter-add of embedding's gradient for
// large tables, O(N·D) instead of the gather's O(V·N·D). WGSL has no float atomics, so the
// add is a compare-exchange loop on the float's bits; the order of the adds (and so the last
// bits of a row hit by repeated indices) can vary between runs, as on CUDA. dW starts zeroed.
//#include math
//#include value_error

// [N·D, D, V, padding row (i32 bits; −1 for none), error code]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<atomic<u32>>;

fn add_at(at: u32, v: f32) {
  var old = atomicLoad(&dw[at]);
  loop {
    let swapped = atomicCompareExchangeWeak(&dw[at], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (swapped.exchanged) { break; }
    old = swapped.old_value;
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let o = linear_index(wid, nwg, lid, 256u);
  if (o >= params[0]) { return; }
  let D = params[1];
  let id = ids[o / D];
  if (id < 0 || id >= i32(params[2])) {
    report_value_error(params[4], id, params[2]);
    return;
  }
  if (id == bitcast<i32>(params[3])) { return; }
  add_at(u32(id) * D + o % D, grad[o]);
}
