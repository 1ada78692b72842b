// out[out_offset + Σ i_d·out_stride_d] = in[in_offset + Σ i_d·in_stride_d] over an index space
// of `shape`: permute, transpose, expand (stride 0), slice (stride·step), and one input's
// block of a concat all are this copy. Copies 32-bit words, so float32 and int32 alike.
//#include math

// [count, rank, in_offset, out_offset, shape[rank], in_strides[rank], out_strides[rank]]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let rank = params[1];
  var rest = i;
  var src_at = params[2];
  var dst_at = params[3];
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = params[4u + u32(d)];
    let c = rest % size;
    rest = rest / size;
    src_at += c * params[4u + rank + u32(d)];
    dst_at += c * params[4u + 2u * rank + u32(d)];
  }
  dst[dst_at] = src[src_at];
}
