// 2-D pooling, one invocation per output (forward) or per input element (backward, gather
// form: no float atomics). MODE: 0 max, 1 avg, 2 adaptive avg, 3 max backward, 4 avg
// backward, 5 adaptive avg backward. Planes are N·C; windows as in PyTorch (max: −∞
// padding, first maximum wins; avg: the divisor counts padding when asked, never the part of
// a ceil_mode window past it; adaptive bin i: [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉)).
//#include math

// [count, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, count_include_pad, divisor (0: none)]
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

struct Window { h0: i32, h1: i32, w0: i32, w1: i32, divisor: f32 }

fn avg_window(oh: i32, ow: i32) -> Window {
  let H = i32(params[1]);
  let W = i32(params[2]);
  let ph = i32(params[9]);
  let pw = i32(params[10]);
  var h0 = oh * i32(params[7]) - ph;
  var h1 = min(h0 + i32(params[5]), H + ph);
  var w0 = ow * i32(params[8]) - pw;
  var w1 = min(w0 + i32(params[6]), W + pw);
  let pool_size = f32((h1 - h0) * (w1 - w0));
  h0 = max(h0, 0);
  h1 = min(h1, H);
  w0 = max(w0, 0);
  w1 = min(w1, W);
  var divisor = select(f32((h1 - h0) * (w1 - w0)), pool_size, params[13] == 1u);
  if (params[14] != 0u) { divisor = f32(params[14]); }
  return Window(h0, h1, w0, w1, divisor);
}

fn adaptive_window(oh: i32, ow: i32) -> Window {
  let H = i32(params[1]);
  let W = i32(params[2]);
  let OH = i32(params[3]);
  let OW = i32(params[4]);
  let h0 = (oh * H) / OH;
  let h1 = ((oh + 1) * H + OH - 1) / OH;
  let w0 = (ow * W) / OW;
  let w1 = ((ow + 1) * W + OW - 1) / OW;
  return Window(h0, h1, w0, w1, f32((h1 - h0) * (w1 - w0)));
}

// plane-local index of the first maximum of max-pool window (oh, ow), scanning as the CPU
// does (a NaN takes over); the first in-range tap when every value is −∞
fn argmax(plane: u32, oh: i32, ow: i32) -> i32 {
  let H = i32(params[1]);
  let W = i32(params[2]);
  let h_start = oh * i32(params[7]) - i32(params[9]);
  let w_start = ow * i32(params[8]) - i32(params[10]);
  var best = -1;
  var best_v = neg_inf();
  for (var ki = 0; ki < i32(params[5]); ki++) {
    let ih = h_start + ki * i32(params[11]);
    if (ih < 0 || ih >= H) { continue; }
    for (var kj = 0; kj < i32(params[6]); kj++) {
      let iw = w_start + kj * i32(params[12]);
      if (iw < 0 || iw >= W) { continue; }
      let v = x[plane * u32(H * W) + u32(ih * W + iw)];
      if (best < 0) { best = ih * W + iw; }
      if (v > best_v || is_nan(v)) {
        best = ih * W + iw;
        best_v = v;
      }
    }
  }
  return best;
}

fn window_sum(plane: u32, win: Window) -> f32 {
  let W = i32(params[2]);
  var total = 0.0;
  for (var ih = win.h0; ih < win.h1; ih++) {
    for (var iw = win.w0; iw < win.w1; iw++) {
      total += x[plane * params[1] * params[2] + u32(ih * W + iw)];
    }
  }
  return total;
}

// Σ over the windows that contain input (ih, iw) of grad / divisor (avg and adaptive avg).
// Only the windows near (ih, iw) can hold it: a superset of them is scanned (then tested), not
// all OH·OW, which made this quadratic in the image size.
fn spread(plane: u32, ih: i32, iw: i32, adaptive: bool) -> f32 {
  let H = i32(params[1]);
  let W = i32(params[2]);
  let OH = i32(params[3]);
  let OW = i32(params[4]);
  var oh_lo: i32;
  var oh_hi: i32;
  var ow_lo: i32;
  var ow_hi: i32;
  if (adaptive) {
    // bin oh starts at ⌊oh·H/OH⌋ and is at most ⌈H/OH⌉ + 1 rows long
    oh_lo = max(0, (ih * OH) / H - 1);
    oh_hi = min(OH - 1, ((ih + 1) * OH) / H + 1);
    ow_lo = max(0, (iw * OW) / W - 1);
    ow_hi = min(OW - 1, ((iw + 1) * OW) / W + 1);
  } else {
    // window oh spans [oh·sh − ph, oh·sh − ph + kh)
    oh_lo = max(0, (ih + i32(params[9]) - i32(params[5])) / i32(params[7]));
    oh_hi = min(OH - 1, (ih + i32(params[9])) / i32(params[7]));
    ow_lo = max(0, (iw + i32(params[10]) - i32(params[6])) / i32(params[8]));
    ow_hi = min(OW - 1, (iw + i32(params[10])) / i32(params[8]));
  }
  var total = 0.0;
  for (var oh = oh_lo; oh <= oh_hi; oh++) {
    for (var ow = ow_lo; ow <= ow_hi; ow++) {
      var win: Window;
      if (adaptive) { win = adaptive_window(oh, ow); } else { win = avg_window(oh, ow); }
      if (ih >= win.h0 && ih < win.h1 && iw >= win.w0 && iw < win.w1) {
        total += grad[plane * u32(OH * OW) + u32(oh * OW + ow)] / win.divisor;
      }
    }
  }
  return total;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, nwg, lid, 256u);
  if (i >= params[0]) { return; }
  let H = params[1];
  let W = params[2];
  let OH = params[3];
  let OW = params[4];
  if ({{MODE}} <= 2) {
    let plane = i / (OH * OW);
    let oh = i32((i / OW) % OH);
    let ow = i32(i % OW);
    if ({{MODE}} == 0) {
      let best = argmax(plane, oh, ow);
      out[i] = select(neg_inf(), x[plane * H * W + u32(best)], best >= 0);
    } else if ({{MODE}} == 1) {
      let win = avg_window(oh, ow);
      out[i] = window_sum(plane, win) / win.divisor;
    } else {
      let win = adaptive_window(oh, ow);
      out[i] = window_sum(plane, win) / win.divisor;
    }
    return;
  }
  let plane = i / (H * W);
  let ih = i32((i / W) % H);
  let iw = i32(i % W);
  if ({{MODE}} == 3) {
    // the windows that can hold (ih, iw): oh·sh − ph + ki·dh = ih for some tap ki
    var total = 0.0;
    for (var ki = 0; ki < i32(params[5]); ki++) {
      let hs = ih + i32(params[9]) - ki * i32(params[11]);
      if (hs < 0 || hs % i32(params[7]) != 0) { continue; }
      let oh = hs / i32(params[7]);
      if (oh >= i32(OH)) { continue; }
      for (var kj = 0; kj < i32(params[6]); kj++) {
        let ws = iw + i32(params[10]) - kj * i32(params[12]);
        if (ws < 0 || ws % i32(params[8]) != 0) { continue; }
        let ow = ws / i32(params[8]);
        if (ow >= i32(OW)) { continue; }
        if (argmax(plane, oh, ow) == ih * i32(W) + iw) {
          total += grad[plane * OH * OW + u32(oh) * OW + u32(ow)];
        }
      }
    }
    out[i] = total;
  } else {
    out[i] = spread(plane, ih, iw, {{MODE}} == 5);
  }
}
