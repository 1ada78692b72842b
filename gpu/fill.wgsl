// Every 32-bit word of the output set to one value (zeros before a scatter, constants).
//#include math

@group(0) @binding(0) var<storage, read> params: array<u32>; // [count, value bits]
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  dst[i] = params[1];
}
