// out = f(v0, v1, v2, v3, v4) elementwise over a broadcast shape, five operands each read
// through its own broadcast strides (an absent operand is a one-element buffer, stride 0).
// The loss kernels use it: input, target, weight, pos_weight and the upstream gradient.
// EXPR is f with float attrs `p0`, `p1`; CHECK flags operands the op refuses (reported
// with error code p… see value_error), `false` when it has none.
//#include math
//#include value_error

// [count, rank, p0 bits, p1 bits, shape[rank], strides of v0..v4 [rank] each]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> in1: array<f32>;
@group(0) @binding(3) var<storage, read> in2: array<f32>;
@group(0) @binding(4) var<storage, read> in3: array<f32>;
@group(0) @binding(5) var<storage, read> in4: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

fn f(v0: f32, v1: f32, v2: f32, v3: f32, v4: f32, p0: f32, p1: f32) -> f32 {
  return {{EXPR}};
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let rank = params[1];
  var rest = i;
  var at = array<u32, 5>(0u, 0u, 0u, 0u, 0u);
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = params[4u + u32(d)];
    let c = rest % size;
    rest = rest / size;
    for (var k = 0u; k < 5u; k++) {
      at[k] += c * params[4u + (k + 1u) * rank + u32(d)];
    }
  }
  let v0 = in0[at[0]];
  let v1 = in1[at[1]];
  let v2 = in2[at[2]];
  let v3 = in3[at[3]];
  let v4 = in4[at[4]];
  if ({{CHECK}}) { report_value_error({{ERROR_CODE}}u, 0, 0u); }
  out[i] = f(v0, v1, v2, v3, v4, bitcast<f32>(params[2]), bitcast<f32>(params[3]));
}
