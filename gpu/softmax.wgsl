// softmax / log_softmax along one dim, one workgroup per row, one pass over the data for the
// statistics: each invocation keeps a running (max, Σ exp(x − max)) pair, rescaled when the
// max grows (the "online softmax"), and the pairs are merged in a tree. Stable for logits
// near ±1000: nothing is exponentiated above 0.
// {{LOG}} = 1 writes x − max − log Σ, else exp(x − max) / Σ.

// [rows, dim_size, inner]: row r covers x[(r / inner)·dim_size·inner + r % inner + j·inner]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;

const WG = {{WG}}u;
const LOWEST = -3.4028234e38;
var<workgroup> maxes: array<f32, WG>;
var<workgroup> sums: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  let rows = params[0];
  let size = params[1];
  let inner = params[2];
  let base = (row / inner) * size * inner + row % inner;
  var m = LOWEST;
  var s = 0.0;
  if (row < rows) {
    for (var j = lid; j < size; j += WG) {
      let x = xs[base + j * inner];
      if (x > m) {
        s = s * exp(m - x) + 1.0;
        m = x;
      } else {
        s += exp(x - m);
      }
    }
  }
  maxes[lid] = m;
  sums[lid] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (lid < half) {
      let m1 = maxes[lid];
      let m2 = maxes[lid + half];
      let mm = max(m1, m2);
      sums[lid] = sums[lid] * exp(m1 - mm) + sums[lid + half] * exp(m2 - mm);
      maxes[lid] = mm;
    }
    workgroupBarrier();
  }
  if (row >= rows) { return; }
  let mx = maxes[0];
  let total = sums[0];
  let log_total = log(total);
  for (var j = lid; j < size; j += WG) {
    let at = base + j * inner;
    if ({{LOG}} == 1) {
      ys[at] = xs[at] - mx - log_total;
    } else {
      ys[at] = exp(xs[at] - mx) / total;
    }
  }
}
