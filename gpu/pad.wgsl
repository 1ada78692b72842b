// F.pad as a gather: each output index reads the input index its mode maps it to, or the
// constant. Negative (cropping) pads work in constant mode. 32-bit words, any dtype.
//#include math
//#include pad_common

// [count, rank, mode, value bits, out_shape[r], in_shape[r], in_strides[r], lo[r] (i32 bits)]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let o = linear_index(wid, nwg, lid, 256u);
  if (o >= params[0]) { return; }
  let rank = params[1];
  let mode = params[2];
  var rest = o;
  var at = 0u;
  var inside = true;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let k = u32(d);
    let size = params[4u + k];
    let j = i32(rest % size);
    rest = rest / size;
    let i = pad_source(j, i32(params[4u + rank + k]), bitcast<i32>(params[4u + 3u * rank + k]), mode);
    if (i < 0) {
      inside = false;
    } else {
      at += u32(i) * params[4u + 2u * rank + k];
    }
  }
  dst[o] = select(params[3], src[at], inside);
}
