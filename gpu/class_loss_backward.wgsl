// Backward of cross_entropy / nll_loss, fused per row:
//   logits:            dz_c = g_r·(softmax(z)_c·Σq − q_c)
//   log-probabilities: dz_c = −g_r·q_c
// g_r is grad_output[r] for reduction 'none', else grad[0] (already over the mean divisor).
//#include math
//#include value_error
//#include class_loss_common

@group(0) @binding(4) var<storage, read> grad: array<f32>;
@group(0) @binding(5) var<storage, read_write> dz: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let r = wid.y * nwg.x + wid.x;
  if (r >= params[0]) { return; }
  let classes = params[1];
  let stride = params[2];
  let row = row_of(r);
  let lse = row_logsumexp(row, lid);
  var part = 0.0;
  for (var c = lid; c < classes; c += WG) {
    part += q_of(row, c);
  }
  let mass = sum_pair(part, 0.0, lid).x;
  let g = select(grad[0], grad[r], params[8] == 1u);
  for (var c = lid; c < classes; c += WG) {
    let at = row.start + c * stride;
    if (row.ignored) {
      dz[at] = 0.0;
    } else if (params[3] == 1u) {
      dz[at] = g * (exp(z[at] - lse) * mass - q_of(row, c));
    } else {
      dz[at] = -g * q_of(row, c);
    }
  }
}
