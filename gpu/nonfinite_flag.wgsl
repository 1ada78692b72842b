// flag[0] |= 1 when any element of x is NaN or ±Inf: the training guard's per-step check, done
// on the GPU and read back later without stalling the step (WebGPUBackend.nonFinite). Only a
// non-finite element writes, so a healthy step costs one read per element.
//#include math

// [count]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> flag: array<atomic<u32>>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  // exponent bits all set: ±Inf or NaN (by bits: comparisons may assume there are no NaNs)
  if ((bitcast<u32>(x[i]) & 0x7f800000u) == 0x7f800000u) {
    atomicOr(&flag[0], 1u);
  }
}
