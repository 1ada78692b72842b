// What every optimizer kernel shares (`//#include optim_common`): the meta words, the gradient,
// the parameter, and the entry point, which runs the kernel's `update(i)` once per element.
//#include math

// [count, the step's f32 scalars, flags]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;

// meta word k as the f32 it carries
fn scalar(k: u32) -> f32 {
  return bitcast<f32>(params[k]);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  update(i);
}
