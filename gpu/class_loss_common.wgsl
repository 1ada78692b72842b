// Shared by cross_entropy / nll_loss forward and backward: one workgroup per row (a batch
// entry and spatial position), the C classes spaced `stride` apart. Each row's loss is
// −Σ_c q_c·log p_c with the weighted, smoothed target distribution
//   class index y:   q = (1−ε)·w_y·onehot(y) + (ε/C)·w      (an ignored row: q = 0)
//   probabilities t: q = ((1−ε)·t + ε/C)·w
// and log p = z − logsumexp(z) for logits (cross_entropy), or z itself (nll_loss).

// [rows, classes, stride, logits, by_index, has_weight, ignore_index (i32 bits), eps bits, none,
//  error code for an out-of-range target]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> z: array<f32>;
// class indices (i32) or probabilities (f32), read as raw words
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;

const WG = 64u;
const LOWEST = -3.4028234e38;
var<workgroup> red_a: array<f32, WG>;
var<workgroup> red_b: array<f32, WG>;

struct Row {
  start: u32,
  // the target class, or −1 when the target holds probabilities
  y: i32,
  ignored: bool,
  out_of_range: bool,
}

fn row_of(r: u32) -> Row {
  let classes = params[1];
  let stride = params[2];
  var row: Row;
  row.start = (r - r % stride) * classes + r % stride;
  row.y = -1;
  row.ignored = false;
  row.out_of_range = false;
  if (params[4] == 1u) {
    row.y = bitcast<i32>(targets[r]);
    row.ignored = row.y == bitcast<i32>(params[6]);
    row.out_of_range = !row.ignored && (row.y < 0 || row.y >= i32(classes));
    if (row.out_of_range) { report_value_error(params[9], row.y, classes); }
  }
  return row;
}

fn weight_of(c: u32) -> f32 {
  return select(1.0, weight[min(c, arrayLength(&weight) - 1u)], params[5] == 1u);
}

fn q_of(row: Row, c: u32) -> f32 {
  let classes = f32(params[1]);
  let eps = bitcast<f32>(params[7]);
  let w = weight_of(c);
  if (params[4] == 1u) {
    return (eps / classes) * w + select(0.0, (1.0 - eps) * w, i32(c) == row.y);
  }
  let t = bitcast<f32>(targets[row.start + c * params[2]]);
  return ((1.0 - eps) * t + eps / classes) * w;
}

// logsumexp of the row's logits in one pass (running max, rescaled running sum), 0 for nll
fn row_logsumexp(row: Row, lid: u32) -> f32 {
  if (params[3] == 0u) { return 0.0; }
  let classes = params[1];
  let stride = params[2];
  var m = LOWEST;
  var s = 0.0;
  for (var c = lid; c < classes; c += WG) {
    let x = z[row.start + c * stride];
    if (x > m) {
      s = s * exp(m - x) + 1.0;
      m = x;
    } else {
      s += exp(x - m);
    }
  }
  red_a[lid] = m;
  red_b[lid] = s;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (lid < half) {
      let m1 = red_a[lid];
      let m2 = red_a[lid + half];
      let mm = max(m1, m2);
      red_b[lid] = red_b[lid] * exp(m1 - mm) + red_b[lid + half] * exp(m2 - mm);
      red_a[lid] = mm;
    }
    workgroupBarrier();
  }
  let lse = red_a[0] + log(red_b[0]);
  workgroupBarrier();
  return lse;
}

// Σ over the workgroup of (a, b), returned to every invocation
fn sum_pair(a: f32, b: f32, lid: u32) -> vec2<f32> {
  red_a[lid] = a;
  red_b[lid] = b;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (lid < half) {
      red_a[lid] += red_a[lid + half];
      red_b[lid] += red_b[lid + half];
    }
    workgroupBarrier();
  }
  let total = vec2<f32>(red_a[0], red_b[0]);
  workgroupBarrier();
  return total;
}
