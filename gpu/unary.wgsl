// y = f(x) elementwise over contiguous data. {{EXPR}} is f for one f32 `x`, with the op's
// float attrs as `p0`, `p1`. {{VEC}} = 1 handles four elements per invocation.
//#include math

@group(0) @binding(0) var<storage, read> params: array<u32>; // [count (in T), p0 bits, p1 bits]
@group(0) @binding(1) var<storage, read> xs: array<T>;
@group(0) @binding(2) var<storage, read_write> ys: array<T>;

alias T = {{T}};

fn f(x: f32, p0: f32, p1: f32) -> f32 {
  return {{EXPR}};
}

fn apply(v: T, p0: f32, p1: f32) -> T {
  return {{APPLY}};
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  ys[i] = apply(xs[i], bitcast<f32>(params[1]), bitcast<f32>(params[2]));
}
