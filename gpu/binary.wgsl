// out = f(a, b) elementwise with NumPy broadcasting. {{EXPR}} is f for one f32 `a`, `b`,
// with float attrs `p0`, `p1`.
// BROADCAST = 0: a, b and out are the same contiguous shape (T may be vec4<f32>).
// BROADCAST = 1: each output index is split over the output shape and mapped to a and b
// through their broadcast strides (0 along a broadcast dim).
// BROADCAST = 2 (3): a (b) is one value, the other operand and out the same shape (T may be
// vec4<f32>: the value is splatted).
//#include math

// [count, rank, p0 bits, p1 bits, shape[rank], a_strides[rank], b_strides[rank]]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> as_: array<T>;
@group(0) @binding(2) var<storage, read> bs: array<T>;
@group(0) @binding(3) var<storage, read_write> out: array<T>;

alias T = {{T}};

fn f(a: f32, b: f32, p0: f32, p1: f32) -> f32 {
  return {{EXPR}};
}

fn first(v: T) -> f32 {
  return {{FIRST}};
}

fn apply(a: T, b: T, p0: f32, p1: f32) -> T {
  return {{APPLY}};
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let p0 = bitcast<f32>(params[2]);
  let p1 = bitcast<f32>(params[3]);
  if ({{BROADCAST}} == 0) {
    out[i] = apply(as_[i], bs[i], p0, p1);
    return;
  }
  if ({{BROADCAST}} == 2) {
    out[i] = apply(T(first(as_[0])), bs[i], p0, p1);
    return;
  }
  if ({{BROADCAST}} == 3) {
    out[i] = apply(as_[i], T(first(bs[0])), p0, p1);
    return;
  }
  let rank = params[1];
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = params[4u + u32(d)];
    let c = rest % size;
    rest = rest / size;
    ia += c * params[4u + rank + u32(d)];
    ib += c * params[4u + 2u * rank + u32(d)];
  }
  out[i] = apply(as_[ia], bs[ib], p0, p1);
}
