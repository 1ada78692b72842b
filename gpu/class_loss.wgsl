// Forward of cross_entropy / nll_loss: each row's loss Σ_c q_c·(lse − z_c), and its share of
// the 'mean' divisor (w_y for class indices, 1 for probabilities, 0 when ignored).
//#include math
//#include value_error
//#include class_loss_common

@group(0) @binding(4) var<storage, read_write> losses: array<f32>;
@group(0) @binding(5) var<storage, read_write> shares: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let r = wid.y * nwg.x + wid.x;
  if (r >= params[0]) { return; }
  let row = row_of(r);
  let lse = row_logsumexp(row, lid);
  var part = 0.0;
  for (var c = lid; c < params[1]; c += WG) {
    let q = q_of(row, c);
    if (q != 0.0) { part += q * (lse - z[row.start + c * params[2]]); }
  }
  let total = sum_pair(part, 0.0, lid);
  if (lid == 0u) {
    if (row.ignored) {
      losses[r] = 0.0;
      shares[r] = 0.0;
    } else if (row.out_of_range) {
      losses[r] = nan();
      shares[r] = nan();
    } else {
      losses[r] = total.x;
      shares[r] = select(1.0, weight_of(u32(row.y)), row.y >= 0);
    }
  }
}
